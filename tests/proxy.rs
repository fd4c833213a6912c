//! Through a real proxy: Debian's tinyproxy, started on a loopback port.

mod support;

use hwsms::error::TransportKind;
use hwsms::{CommandName, Config, Credentials, Error, ProxyChoice, fetch_command};
use support::tinyproxy::Tinyproxy;
use support::{Pki, Reply, SEED_200, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

fn https_server() -> (Pki, Server) {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    (pki, server)
}

fn config(pki: &Pki, server: &Server, proxy: ProxyChoice) -> Result<Config, Error> {
    Config::builder(server.url(), Credentials::token("TOKEN-MARKER"))
        .ca_pem(pki.ca_pem.as_bytes())
        .proxy(proxy)
        .build()
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn through_a_proxy_without_auth() {
    let proxy = Tinyproxy::start(None);
    let (pki, server) = https_server();
    let config = config(&pki, &server, ProxyChoice::Url(proxy.url())).unwrap();
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.command().unwrap().name(), Some(CommandName::Start));
    assert_eq!(proxy.connect_requests(), 1, "{}", proxy.log());
    assert_eq!(server.requests().len(), 1);
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn through_a_proxy_with_basic_auth_and_encoded_credentials() {
    let proxy = Tinyproxy::start(Some(("agent", "pa-ss.w_rd")));
    let (pki, server) = https_server();
    // "%2D" is "-": the password must be percent-decoded before Basic encoding.
    let url = format!("http://agent:pa%2Dss.w_rd@127.0.0.1:{}", proxy.port);
    let config = config(&pki, &server, ProxyChoice::Url(url)).unwrap();
    assert!(!format!("{config:?}").contains("pa-ss") && !format!("{config:?}").contains("pa%2Dss"));
    fetch_command(&config, ID).unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn wrong_proxy_password_is_a_clear_407_error() {
    let proxy = Tinyproxy::start(Some(("agent", "right")));
    let (pki, server) = https_server();
    let url = format!("http://agent:WRONGPW-MARKER@127.0.0.1:{}", proxy.port);
    let config = Config::builder(server.url(), Credentials::token("TOKEN-MARKER"))
        .ca_pem(pki.ca_pem.as_bytes())
        .proxy(ProxyChoice::Url(url))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Proxy);
    let text = format!("{err} {err:?}");
    // tinyproxy 1.11 answers a failed CONNECT login with 401 where RFC 9110 says 407.
    assert!(
        text.contains("authentication") && text.contains(&format!("127.0.0.1:{}", proxy.port)),
        "{text}"
    );
    assert!(!text.contains("WRONGPW-MARKER"), "{text}");
    assert!(!err.is_retryable(), "wrong proxy credentials stay wrong");
    assert!(server.requests().is_empty());
}

#[test]
fn proxy_answering_407_names_the_proxy_without_its_password() {
    // A proxy speaking RFC 9110 to the letter: 407 to every CONNECT.
    let fake =
        Server::http(|_| Reply::json(407, "").header("Proxy-Authenticate", "Basic realm=\"corp\""));
    let (pki, server) = https_server();
    let url = format!("http://agent:PW-MARKER-407@{}", fake.addr);
    let config = Config::builder(server.url(), Credentials::token("TOKEN-MARKER"))
        .ca_pem(pki.ca_pem.as_bytes())
        .proxy(ProxyChoice::Url(url))
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("407") && text.contains(&fake.addr.to_string()),
        "{text}"
    );
    assert!(!text.contains("PW-MARKER-407"), "{text}");
    assert_eq!(fake.requests()[0].method, "CONNECT");
    assert!(
        fake.requests()[0]
            .header("Proxy-Authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(fake.requests().len(), 1, "a 407 is not retried");
}

#[test]
fn proxy_that_refuses_connections() {
    let port = support::free_port();
    let (pki, server) = https_server();
    let config = Config::builder(server.url(), Credentials::token("TOKEN-MARKER"))
        .ca_pem(pki.ca_pem.as_bytes())
        .proxy(ProxyChoice::Url(format!(
            "http://u:PW-MARKER@127.0.0.1:{port}"
        )))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Proxy, "{err}");
    assert!(err.to_string().contains("proxy"), "{err}");
    assert!(!err.to_string().contains("PW-MARKER"));
}

#[test]
fn environment_is_ignored_unless_asked() {
    // The library must not pick up proxy variables on its own (ureq would,
    // ALL_PROXY first). A child process gets a dead proxy in every variable
    // and builds a direct Config: its call must still succeed.
    if let Ok(url) = std::env::var("HWSMS_PROXY_ENV_CHILD") {
        let ca = std::env::var("HWSMS_PROXY_ENV_CA").unwrap();
        let config = Config::builder(url, Credentials::token("TOKEN-MARKER"))
            .ca_pem(ca.as_bytes())
            .max_attempts(1)
            .build()
            .unwrap();
        assert_eq!(config.proxy(), None);
        fetch_command(&config, ID).unwrap();
        return;
    }
    let (pki, server) = https_server();
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "environment_is_ignored_unless_asked",
            "--nocapture",
        ])
        .env("HWSMS_PROXY_ENV_CHILD", server.url())
        .env("HWSMS_PROXY_ENV_CA", &pki.ca_pem);
    let proxy_vars = [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ];
    for var in proxy_vars {
        child.env(var, &dead);
    }
    let out = child.output().unwrap();
    assert!(
        out.status.success(),
        "the child failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.requests().len(), 1, "the child called directly");
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn the_metadata_service_is_reached_directly_and_iam_through_the_proxy() {
    use hwsms::auth::IamPassword;
    use support::authority::{Authority, DOMAIN, PASSWORD, PROJECT, USER};
    let authority = Authority::new(3_600);
    let pki = Pki::new();
    let server = Server::https(pki.server(), authority.sms_start());
    let proxy = Tinyproxy::start(None);
    let through = |credentials: Credentials| {
        Config::builder(server.url(), credentials)
            .ca_pem(pki.ca_pem.as_bytes())
            .proxy(ProxyChoice::Url(proxy.url()))
            .build()
            .unwrap()
    };
    // Metadata: the keys come directly (the proxy sees only the SMS tunnel).
    let config = through(Credentials::ecs_metadata_at(authority.metadata_url()));
    fetch_command(&config, ID).unwrap();
    assert_eq!(
        authority.metadata.requests().len(),
        2,
        "PUT and GET, directly"
    );
    assert_eq!(proxy.connect_requests(), 1, "{}", proxy.log());
    assert!(
        !proxy
            .log()
            .contains(&authority.metadata.addr.port().to_string())
    );
    // IAM: through the proxy, like SMS.
    let config = through(Credentials::iam_password(
        IamPassword::new(USER, PASSWORD, DOMAIN)
            .project_name(PROJECT)
            .auth_url(authority.iam_url()),
    ));
    fetch_command(&config, ID).unwrap();
    assert_eq!(authority.counts().tokens_minted, 1);
    assert!(
        proxy.log().contains(&authority.iam.addr.port().to_string()),
        "IAM went through the proxy: {}",
        proxy.log()
    );
}
