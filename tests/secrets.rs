//! Secret hygiene: with every secret set to a unique marker, provoke every
//! error the suite knows (against servers that echo the request headers
//! back), format every public type with `{:?}` and `{}`, and capture all log
//! output (ureq and rustls log through `log`). One test function: the logger
//! is global.
//!
//! No marker may appear in any formatted value, nor in any log record up to
//! DEBUG. At TRACE, ureq dumps the raw HTTP bytes ("wire level debug. NOT
//! REDACTED!", ureq's docs) and shows `Location` unredacted; that output is
//! ureq's by design and out of this crate's reach, so at TRACE the check
//! covers every other target (hwsms, rustls, …).

mod support;

use std::sync::Mutex;
use std::time::Duration;

use hwsms::config::ConfigBuilder;
use hwsms::{AkSk, Config, Credentials, Error, ProxyChoice, TlsRoots, fetch_command};
use support::{Pki, Reply, Request, SEED_200, Server};

const TOKEN: &str = "MARKER-TOKEN-3f9a1c";
const SK: &str = "MARKER-SK-7be20d";
const ST: &str = "MARKER-ST-c41e88";
const PROXY_PW: &str = "MARKERPROXYPW5d1";
const MARKERS: [&str; 4] = [TOKEN, SK, ST, PROXY_PW];
const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

/// (level, target, message) of every record.
static LOG: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let entry = (
            record.level(),
            record.target().to_string(),
            record.args().to_string(),
        );
        LOG.lock().unwrap().push(entry);
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

/// Everything the test printed, in one place to search.
#[derive(Default)]
struct Seen(String);

impl Seen {
    fn add(&mut self, what: &str, text: impl AsRef<str>) {
        self.0.push_str(what);
        self.0.push_str(": ");
        self.0.push_str(text.as_ref());
        self.0.push('\n');
    }
    fn error(&mut self, what: &str, e: &Error) {
        self.add(what, format!("{e}"));
        self.add(what, format!("{e:?}"));
        self.add(what, format!("{e:#?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            self.add(what, format!("{s} / {s:?}"));
            source = s.source();
        }
    }
}

/// Echoes every request header back in whatever the reply carries.
fn echo(status: u16) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |req| {
        let dump: String = req
            .headers
            .iter()
            .map(|(k, v)| format!("{k}={v};"))
            .collect::<String>()
            .replace(' ', "_");
        match status {
            200 => Reply::json(200, &format!(r#"{{"command_name":{{"x":"{dump}"}}}}"#)),
            302 => Reply::json(302, "").header("Location", &format!("https://x.example/{dump}")).header("X-Request-Id", &dump),
            s => Reply::json(s, &format!(r#"{{"error_code":"{dump}","error_msg":"{dump}","error_param":["{dump}"],"details":[{{"error_code":"{dump}","error_msg":"{dump}"}}],"encoded_authorization_message":"{dump}"}}"#))
                .header("X-Request-Id", &dump),
        }
    }
}

fn credentials() -> [Credentials; 2] {
    [
        Credentials::token(TOKEN),
        Credentials::ak_sk(AkSk::new("AKID", SK).domain_id("dom").security_token(ST)),
    ]
}

#[test]
fn no_secret_reaches_any_output() {
    log::set_logger(&CAPTURE).unwrap();
    for level in [log::LevelFilter::Debug, log::LevelFilter::Trace] {
        log::set_max_level(level);
        LOG.lock().unwrap().clear();
        let mut seen = Seen::default();
        provoke_everything(&mut seen);
        for marker in MARKERS {
            assert!(
                !seen.0.contains(marker),
                "{marker} appears in formatted output:\n{}",
                seen.0
            );
        }
        let logs = LOG.lock().unwrap().clone();
        assert!(
            logs.len() > 20,
            "logging produced too little to be a real check: {logs:?}"
        );
        for (lvl, target, msg) in &logs {
            let ureq_wire = level == log::LevelFilter::Trace && target.starts_with("ureq");
            if let Some(m) = MARKERS.iter().find(|m| msg.contains(*m)) {
                assert!(
                    ureq_wire,
                    "{m} appears in a {lvl} record of {target}: {msg}"
                );
            }
        }
    }
}

fn provoke_everything(seen: &mut Seen) {
    let pki = Pki::new();

    for creds in credentials() {
        seen.add("credentials", format!("{creds:?} {creds:#?}"));
        if let Some(k) = creds.as_ak_sk() {
            seen.add("aksk", format!("{k:?}"));
        }
        let builder = |url: &str| -> ConfigBuilder {
            Config::builder(url, creds.clone())
                .max_attempts(1)
                .timeout(Duration::from_secs(3))
        };
        seen.add("builder", format!("{:?}", builder("https://x.example")));

        // HTTP answers that echo the credentials back.
        for status in [200, 302, 401, 403, 404, 429, 500, 502] {
            let server = Server::https(pki.server(), echo(status));
            let config = builder(&server.url())
                .ca_pem(pki.ca_pem.as_bytes())
                .build()
                .unwrap();
            seen.add("config", format!("{config:?}"));
            let e = fetch_command(&config, ID).unwrap_err();
            assert!(
                server.requests()[0]
                    .headers
                    .iter()
                    .any(|(_, v)| MARKERS.iter().any(|m| v.contains(m))),
                "the echo must carry a secret"
            );
            seen.error(&format!("status {status}"), &e);
            if let Some(api) = e.as_api() {
                seen.add("api", format!("{api} {api:?}"));
                for d in api.details() {
                    seen.add("detail", format!("{d:?}"));
                }
            }
        }
        // Oversize body made of the secrets.
        let server = Server::http(|_| Reply::json(200, &MARKERS.concat().repeat(50_000)));
        let e = fetch_command(&builder(&server.url()).build().unwrap(), ID).unwrap_err();
        seen.error("oversize", &e);
        // Refused, timed out, untrusted TLS.
        let refused = format!("http://127.0.0.1:{}", support::free_port());
        seen.error(
            "refused",
            &fetch_command(&builder(&refused).build().unwrap(), ID).unwrap_err(),
        );
        let hang = Server::http(|_| Reply::Hang);
        let config = builder(&hang.url())
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        seen.error("timeout", &fetch_command(&config, ID).unwrap_err());
        let untrusted = Server::https(Pki::new().server(), |_| Reply::json(200, SEED_200));
        seen.error(
            "tls",
            &fetch_command(&builder(&untrusted.url()).build().unwrap(), ID).unwrap_err(),
        );
        // Foreign text that quotes this config's secret: rustls names the
        // certificate's names in its error, serde_json quotes a string it
        // did not expect.
        let secret = if creds.as_ak_sk().is_some() {
            SK
        } else {
            TOKEN
        };
        let named = Server::https(pki.server_for(&[secret, "localhost"], false), |_| {
            Reply::json(200, SEED_200)
        });
        let e = fetch_command(
            &builder(&named.url())
                .ca_pem(pki.ca_pem.as_bytes())
                .build()
                .unwrap(),
            ID,
        )
        .unwrap_err();
        seen.error("certificate names", &e);
        let quoted = Server::http(move |_| Reply::json(200, &format!("\"{secret}\"")));
        let e = fetch_command(&builder(&quoted.url()).build().unwrap(), ID).unwrap_err();
        seen.error("decode", &e);
        // Proxies: refusing, and rejecting the login.
        let proxy_url = |port: u16| format!("http://agent:{PROXY_PW}@127.0.0.1:{port}");
        let config = builder(&untrusted.url())
            .proxy(ProxyChoice::Url(proxy_url(support::free_port())))
            .build()
            .unwrap();
        seen.add("proxy config", format!("{config:?} {:?}", config.proxy()));
        seen.error("proxy refused", &fetch_command(&config, ID).unwrap_err());
        let p407 = Server::http(|_| Reply::json(407, ""));
        let config = builder(&untrusted.url())
            .proxy(ProxyChoice::Url(proxy_url(p407.addr.port())))
            .build()
            .unwrap();
        seen.error("proxy 407", &fetch_command(&config, ID).unwrap_err());
        // Errors before any I/O.
        seen.error(
            "server id",
            &fetch_command(&builder(&untrusted.url()).build().unwrap(), "../x").unwrap_err(),
        );
        for bad in [
            builder("http://10.0.0.1").build(),
            builder("https://x.example")
                .proxy(ProxyChoice::Url(format!("socks5://u:{PROXY_PW}@h:1")))
                .build(),
            builder("https://x.example")
                .proxy(ProxyChoice::Url(format!("http://u:{PROXY_PW}%zz@h:1")))
                .build(),
            builder("https://x.example")
                .tls_roots(TlsRoots::Pem(b"junk".to_vec()))
                .build(),
            Config::builder(
                "https://x.example",
                Credentials::token(format!("{TOKEN}\r\nX: y")),
            )
            .build(),
            Config::builder(
                "https://x.example",
                Credentials::ak_sk(AkSk::new("AK", SK).security_token(format!("{ST}\n"))),
            )
            .build(),
        ] {
            seen.error("config", &bad.unwrap_err());
        }
        seen.add("choice", format!("{:?}", ProxyChoice::Url(proxy_url(1))));
    }
}
