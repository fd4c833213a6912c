//! `diagnose` and `fetch_command --diagnose` against real parts: TLS servers
//! with expired, wrong-host and untrusted certificates, a closed port,
//! tinyproxy and a dead proxy, a gateway clock 21 minutes ahead, a bad
//! token, 403 and 404 bodies, and a marker secret that must appear nowhere.

mod support;

use hwsms::config::ConfigBuilder;
use hwsms::diagnose::StepStatus;
use hwsms::{AkSk, Config, Credentials, Diagnosis, ProxyChoice, diagnose};
use support::tinyproxy::Tinyproxy;
use support::{Pki, Reply, SEED_200, SEED_403, Server, free_port, skewed_gateway, sms_standin};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "DIAG-TOKEN-MARKER-9c1f";
const SK: &str = "DIAG-SK-MARKER-77aa";
const PROXY_PW: &str = "DIAGPROXYPW3e";

fn builder(url: &str, pki: &Pki) -> ConfigBuilder {
    Config::builder(url, Credentials::token(TOKEN)).ca_pem(pki.ca_pem.as_bytes())
}

/// Every check that holds for any diagnosis, then the status of `name`.
fn status(d: &Diagnosis, name: &str) -> StepStatus {
    let names: Vec<&str> = d.steps().iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        hwsms::diagnose::STEP_NAMES,
        "all eight steps, in order"
    );
    let text = format!("{d}{}{d:?}", d.to_json());
    for marker in [TOKEN, SK, PROXY_PW] {
        assert!(!text.contains(marker), "secret in the diagnosis:\n{text}");
    }
    // Steps after a failure are skipped, and say why.
    if let Some(at) = d
        .steps()
        .iter()
        .position(|s| s.status() == StepStatus::Fail)
    {
        for s in &d.steps()[at + 1..] {
            assert_eq!(s.status(), StepStatus::Skip, "{d}");
            assert!(s.detail().contains("failed"), "{d}");
        }
    }
    d.step(name).unwrap().status()
}

fn detail<'a>(d: &'a Diagnosis, name: &str) -> &'a str {
    d.step(name).unwrap().detail()
}

#[test]
fn all_steps_pass_against_a_healthy_stand_in() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), sms_standin(Some(TOKEN.into()), None));
    let config = builder(&server.url(), &pki).build().unwrap();
    let d = diagnose(&config, Some(ID));
    assert!(d.ok(), "{d}");
    assert_eq!(status(&d, "proxy"), StepStatus::Skip);
    assert_eq!(status(&d, "tls"), StepStatus::Pass);
    let tls = detail(&d, "tls");
    for part in [
        "TLS 1.3",
        "CHACHA20",
        "SAN localhost",
        "issued by hwsms test CA",
        "valid until",
        "trusted through",
    ] {
        assert!(tls.contains(part), "{part}: {tls}");
    }
    assert!(detail(&d, "dns").contains("IP address"), "{d}");
    assert!(d.clock_skew_secs().is_some_and(|s| s.abs() <= 2), "{d}");
    assert!(detail(&d, "command").contains("START"), "{d}");
}

#[test]
fn certificate_problems_fail_the_tls_step_with_the_reason() {
    let pki = Pki::new();
    let expired = Server::https(pki.server_for(&["127.0.0.1"], true), |_| {
        Reply::json(200, SEED_200)
    });
    let d = diagnose(&builder(&expired.url(), &pki).build().unwrap(), Some(ID));
    assert_eq!(status(&d, "tls"), StepStatus::Fail);
    assert!(detail(&d, "tls").contains("expired"), "{d}");
    assert!(detail(&d, "tls").contains("valid until 2020-01-01"), "{d}");

    let wrong_host = Server::https(pki.server_for(&["other.example"], false), |_| {
        Reply::json(200, SEED_200)
    });
    let d = diagnose(&builder(&wrong_host.url(), &pki).build().unwrap(), Some(ID));
    assert_eq!(status(&d, "tls"), StepStatus::Fail);
    assert!(detail(&d, "tls").contains("not valid for the host"), "{d}");
    assert!(detail(&d, "tls").contains("other.example"), "{d}");

    let stranger = Pki::new();
    let untrusted = Server::https(stranger.server(), |_| Reply::json(200, SEED_200));
    let d = diagnose(&builder(&untrusted.url(), &pki).build().unwrap(), Some(ID));
    assert_eq!(status(&d, "tls"), StepStatus::Fail);
    let tls = detail(&d, "tls");
    assert!(
        tls.contains("untrusted CA") && tls.contains("--ca-file") && tls.contains("--system-roots"),
        "{tls}"
    );
}

#[test]
fn a_closed_port_fails_the_tcp_step() {
    let pki = Pki::new();
    let url = format!("https://127.0.0.1:{}", free_port());
    let d = diagnose(&builder(&url, &pki).build().unwrap(), Some(ID));
    assert_eq!(status(&d, "tcp"), StepStatus::Fail);
    assert!(detail(&d, "tcp").contains("connection refused"), "{d}");
    assert_eq!(status(&d, "dns"), StepStatus::Pass);
}

#[test]
fn a_dead_proxy_fails_the_proxy_step() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), sms_standin(None, None));
    let proxy = format!("http://agent:{PROXY_PW}@127.0.0.1:{}", free_port());
    let config = builder(&server.url(), &pki)
        .proxy(ProxyChoice::Url(proxy))
        .build()
        .unwrap();
    let d = diagnose(&config, Some(ID));
    assert_eq!(status(&d, "proxy"), StepStatus::Fail);
    assert!(
        detail(&d, "proxy").contains("cannot reach the proxy"),
        "{d}"
    );
    assert!(detail(&d, "config").contains("agent:[REDACTED]@"), "{d}");
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn through_tinyproxy_and_with_a_wrong_proxy_password() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), sms_standin(Some(TOKEN.into()), None));
    let proxy = Tinyproxy::start(Some(("agent", "right-pw")));
    let config = builder(&server.url(), &pki)
        .proxy(ProxyChoice::Url(format!(
            "http://agent:right-pw@127.0.0.1:{}",
            proxy.port
        )))
        .build()
        .unwrap();
    let d = diagnose(&config, Some(ID));
    assert!(d.ok(), "{d}");
    assert_eq!(status(&d, "proxy"), StepStatus::Pass);
    assert!(detail(&d, "tcp").contains("tunnel"), "{d}");
    assert!(detail(&d, "dns").contains("the proxy"), "{d}");

    let wrong = builder(&server.url(), &pki)
        .proxy(ProxyChoice::Url(format!(
            "http://agent:{PROXY_PW}@127.0.0.1:{}",
            proxy.port
        )))
        .build()
        .unwrap();
    let d = diagnose(&wrong, Some(ID));
    assert_eq!(status(&d, "proxy"), StepStatus::Fail);
    assert!(detail(&d, "proxy").contains("authentication"), "{d}");
}

/// The diagnosis against a gateway whose clock is `skew` seconds off ours,
/// signing with AK/SK.
fn diagnose_skewed(skew: i64) -> Diagnosis {
    let server = Server::http(skewed_gateway("DIAGAK", SK, skew, true, true));
    let config = Config::builder(
        server.url(),
        Credentials::ak_sk(AkSk::new("DIAGAK", SK).project_id("p")),
    )
    .build()
    .unwrap();
    diagnose(&config, Some(ID))
}

#[test]
fn a_gateway_clock_21_minutes_ahead_is_measured_and_auth_still_passes() {
    let d = diagnose_skewed(21 * 60);
    assert_eq!(status(&d, "clock"), StepStatus::Warn);
    let skew = d.clock_skew_secs().unwrap();
    assert!((skew - 21 * 60).abs() <= 2, "{skew}");
    assert!(detail(&d, "clock").contains("SMS.0205"), "{d}");
    assert_eq!(status(&d, "auth"), StepStatus::Pass, "{d}");
    assert!(
        detail(&d, "auth").contains("AK/SK (AK DIAG…, project scope)"),
        "{d}"
    );
    assert!(d.ok(), "warnings do not fail: {d}");
}

#[test]
fn a_bad_token_fails_auth_with_the_code_and_its_meaning() {
    let pki = Pki::new();
    let server = Server::https(
        pki.server(),
        sms_standin(Some("the-right-token".into()), None),
    );
    let d = diagnose(&builder(&server.url(), &pki).build().unwrap(), Some(ID));
    assert_eq!(status(&d, "auth"), StepStatus::Fail);
    assert!(detail(&d, "auth").contains("APIGW.0301"), "{d}");
    assert!(detail(&d, "auth").contains("AK/SK or token"), "{d}");
}

#[test]
fn forbidden_and_unknown_ids_fail_the_command_step() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |req| {
        if req.path.contains("/missing/") {
            Reply::json(
                404,
                r#"{"error_code":"SMS.0205x","error_msg":"server not found"}"#,
            )
        } else {
            Reply::json(403, SEED_403).header("X-Request-Id", "rid-diag")
        }
    });
    let config = builder(&server.url(), &pki).build().unwrap();
    let d = diagnose(&config, Some(ID));
    assert_eq!(status(&d, "auth"), StepStatus::Pass);
    assert_eq!(status(&d, "command"), StepStatus::Fail);
    let cmd = detail(&d, "command");
    assert!(
        cmd.contains("sms:server:getCommand")
            && cmd.contains("SMS.9004")
            && cmd.contains("rid-diag"),
        "{cmd}"
    );
    let d = diagnose(&config, Some("missing"));
    assert_eq!(status(&d, "command"), StepStatus::Fail);
    assert!(detail(&d, "command").contains("no such server id"), "{d}");
}

#[test]
fn by_host_name_without_a_server_id_and_the_checklist() {
    let pki = Pki::new();
    // The placeholder id is unknown to this server: a 404 without an id
    // given is no failure, the command step is skipped.
    let server = Server::https(pki.server(), |_| {
        Reply::json(
            404,
            r#"{"error_code":"SMS.0205x","error_msg":"server not found"}"#,
        )
        .header("Date", &support::http_date(support::unix_now()))
    });
    let url = server.url().replace("127.0.0.1", "localhost");
    let d = diagnose(&builder(&url, &pki).build().unwrap(), None);
    assert_eq!(status(&d, "dns"), StepStatus::Pass, "{d}");
    assert_eq!(status(&d, "auth"), StepStatus::Pass, "{d}");
    assert_eq!(status(&d, "command"), StepStatus::Skip, "{d}");
    assert_eq!(detail(&d, "command"), "no server id given");
    assert!(d.ok(), "{d}");
    assert!(
        detail(&d, "tls").contains("trusted through CA certificates given in memory"),
        "{d}"
    );
    // The checklist: one line per step, status then name then detail.
    let text = d.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8, "{text}");
    for (line, step) in lines.iter().zip(d.steps()) {
        let status = format!("{:?}", step.status()).to_ascii_lowercase();
        assert_eq!(
            *line,
            format!("[{status}] {}: {}", step.name(), step.detail())
        );
    }
    assert_eq!(lines[7], "[skip] command: no server id given");

    // A CA file is named as the trust source.
    let ca = pki.ca_file();
    let config = Config::builder(&url, Credentials::token(TOKEN))
        .ca_file(&ca)
        .build()
        .unwrap();
    let d = diagnose(&config, None);
    let want = format!("trusted through the CA file {}", ca.display());
    assert!(detail(&d, "tls").contains(&want), "{d}");
}

#[test]
fn a_host_clock_ahead_of_the_gateway_is_said_so() {
    for (skew, words) in [
        (-21 * 60, "s ahead of the gateway's"),
        (21 * 60, "s behind the gateway's"),
    ] {
        let d = diagnose_skewed(skew);
        assert_eq!(status(&d, "clock"), StepStatus::Warn);
        let clock = detail(&d, "clock");
        // The amount is a plain number of seconds, never negative.
        let amount: i64 = clock
            .strip_prefix("this host's clock is ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{clock}"));
        assert!((amount - 21 * 60).abs() <= 2, "{clock}");
        assert!(clock.contains(words), "{clock}");
    }
}

#[test]
fn tls_1_2_and_a_long_response_head() {
    let pki = Pki::new();
    // A gateway answering with 4 KiB of headers: the clock is still read.
    let server = Server::https(pki.server_versions(&[&rustls::version::TLS12]), |_| {
        Reply::json(200, SEED_200)
            .header("X-Padding", &"p".repeat(4096))
            .header("Date", &support::http_date(support::unix_now()))
    });
    let d = diagnose(&builder(&server.url(), &pki).build().unwrap(), Some(ID));
    assert!(detail(&d, "tls").starts_with("TLS 1.2,"), "{d}");
    assert_eq!(status(&d, "clock"), StepStatus::Pass, "{d}");
    assert!(d.clock_skew_secs().is_some_and(|s| s.abs() <= 2), "{d}");
}

/// A fake proxy: reads each request head, answers with `reply`, closes.
fn fake_proxy(reply: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = conn.write_all(reply);
        }
    });
    port
}

#[test]
fn proxies_that_refuse_or_hang_up() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), sms_standin(Some(TOKEN.into()), None));
    let via = |reply: &'static [u8]| {
        let config = builder(&server.url(), &pki)
            .proxy(ProxyChoice::Url(format!(
                "http://127.0.0.1:{}",
                fake_proxy(reply)
            )))
            .build()
            .unwrap();
        diagnose(&config, Some(ID))
    };
    for (reply, words) in [
        (&b""[..], "did not answer"),
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
            "requires authentication",
        ),
        (
            b"HTTP/1.1 401 Unauthorized\r\n\r\n",
            "requires authentication",
        ),
        (
            b"HTTP/1.1 403 Forbidden\r\n\r\n",
            "blocks the tunnel to 127.0.0.1:",
        ),
        (
            b"HTTP/1.1 502 Bad Gateway\r\n\r\n",
            "would not open a tunnel",
        ),
    ] {
        let d = via(reply);
        assert_eq!(status(&d, "proxy"), StepStatus::Fail, "{d}");
        assert!(detail(&d, "proxy").contains(words), "{words}: {d}");
    }
    // A 200 whose head the proxy never finishes still opens the tunnel;
    // here nothing is behind it, so TLS is what fails.
    let d = via(b"HTTP/1.1 200 Connection established\r\n");
    assert_eq!(status(&d, "proxy"), StepStatus::Pass, "{d}");
    assert_eq!(status(&d, "tls"), StepStatus::Fail, "{d}");
}

#[test]
fn a_gateway_that_accepts_and_never_answers_costs_the_timeouts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let config = Config::builder(&url, Credentials::token(TOKEN))
        .connect_timeout(std::time::Duration::from_millis(300))
        .timeout(std::time::Duration::from_millis(600))
        .max_attempts(1)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let d = diagnose(&config, Some(ID));
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{d}");
    assert_eq!(status(&d, "tcp"), StepStatus::Pass, "{d}");
    assert_eq!(status(&d, "clock"), StepStatus::Warn, "{d}");
    assert_eq!(status(&d, "auth"), StepStatus::Fail, "{d}");
}
