//! `fetch_command` against a real local server, over HTTP and HTTPS.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hwsms::error::TransportKind;
use hwsms::{CommandName, Config, Credentials, Error, fetch_command};
use support::{Pki, Reply, SEED_200, SEED_403, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

fn token() -> Credentials {
    Credentials::token("TOKEN-MARKER-7c1")
}

fn http(handler: impl Fn(&support::Request) -> Reply + Send + Sync + 'static) -> (Server, Config) {
    let server = Server::http(handler);
    let config = Config::builder(server.url(), token()).build().unwrap();
    (server, config)
}

fn reply_once(reply: Reply) -> (Server, Config) {
    http(move |_| reply.clone())
}

#[test]
fn seed_200_over_https_with_private_ca() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| {
        Reply::json(200, SEED_200).header("x-request-id", "abc-lower")
    });
    let config = Config::builder(server.url(), token())
        .ca_file(pki.ca_file())
        .build()
        .unwrap();
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.request_id(), Some("abc-lower"));
    assert_eq!(resp.body(), SEED_200.as_bytes());
    let c = resp.command().unwrap();
    assert_eq!(c.name(), Some(CommandName::Start));
    assert_eq!(c.task_id(), Some("xxxxxxxxxxxxxxxxxxxxxxxx00000001"));
    assert_eq!(c.bucket(), None);
    assert!(c.is_borrowed());

    let req = &server.requests()[0];
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, format!("/v3/sources/{ID}/command"));
    assert_eq!(req.header("X-Auth-Token"), Some("TOKEN-MARKER-7c1"));
    assert_eq!(req.header("Accept"), Some("application/json"));
    assert_eq!(
        req.header("User-Agent"),
        Some(hwsms::config::DEFAULT_USER_AGENT)
    );
    assert_eq!(req.header("Host"), Some(server.addr.to_string().as_str()));
}

#[test]
fn connection_is_reused_across_calls() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let config = Config::builder(server.url(), token())
        .ca_pem(pki.ca_pem.as_bytes())
        .build()
        .unwrap();
    let clone = config.clone();
    for c in [&config, &clone, &config] {
        fetch_command(c, ID).unwrap();
    }
    // The server logs requests per connection thread; one TLS handshake means
    // the same connection served all three (a new one would need a new accept).
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        server.connections(),
        1,
        "keep-alive connection was not reused"
    );
}

#[test]
fn seed_403_and_every_documented_status() {
    let (_s, config) = reply_once(Reply::json(403, SEED_403).header("X-REQUEST-ID", "UPPER-1"));
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status(), 403);
    assert_eq!(api.error_code(), Some("SMS.9004"));
    assert_eq!(api.request_id(), Some("UPPER-1"));
    assert_eq!(api.encoded_authorization_message(), Some("XXXXXX"));
    assert_eq!(api.error_param().len(), 1);
    assert_eq!(api.details()[0].error_code(), Some("SMS.9004"));
    assert!(!err.is_retryable());
    assert_eq!(api.attempts(), 1);

    for (status, code) in [
        (400, "SMS.0201"),
        (401, "APIGW.0301"),
        (404, "SMS.1802"),
        (500, "SMS.0001"),
    ] {
        let body = format!(r#"{{"error_code":"{code}","error_msg":"m{status}"}}"#);
        let (server, config) = http(move |_| Reply::json(status, &body));
        let err = fetch_command(&config, ID).unwrap_err();
        let api = err.as_api().unwrap_or_else(|| panic!("{status}: {err:?}"));
        assert_eq!((api.status(), api.error_code()), (status, Some(code)));
        assert_eq!(api.error_msg(), Some(format!("m{status}").as_str()));
        let sent = server.requests().len();
        if status == 500 {
            assert!(err.is_retryable());
            assert_eq!(sent, 3, "500 is retried up to the attempt limit");
            assert_eq!(api.attempts(), 3);
            assert_eq!(err.attempts(), Some(3));
            assert!(err.to_string().contains("after 3 attempts"), "{err}");
        } else {
            assert!(!err.is_retryable());
            assert_eq!(sent, 1, "{status} must be sent exactly once");
        }
    }
}

#[test]
fn non_json_error_bodies_keep_status_and_snippet() {
    let (_s, config) = reply_once(Reply::Full {
        status: 502,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: b"<html><body><h1>502 Bad Gateway</h1>\nnginx</body></html>".to_vec(),
    });
    let config = Config::builder(config.endpoint(), token())
        .max_attempts(1)
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.error_code(), Some("502"));
    assert!(api.body_snippet().unwrap().contains("502 Bad Gateway"));
    assert!(!api.error_msg().unwrap().contains('\n'));

    let (_s, config) = reply_once(Reply::json(500, ""));
    let config = Config::builder(config.endpoint(), token())
        .max_attempts(1)
        .build()
        .unwrap();
    let api = fetch_command(&config, ID).unwrap_err();
    assert_eq!(api.as_api().unwrap().error_code(), Some("500"));
}

#[test]
fn body_variants_decode() {
    // (body, command name, task id, bucket)
    type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let cases: &[Case] = &[
        (
            r#"{"command_name":"STOP","command_param":{"task_id":"t\"1\\n","bucket":"b\u00e9"}}"#,
            Some("STOP"),
            Some("t\"1\\n"),
            Some("bé"),
        ),
        (
            r#"{"command_name":"BRAND_NEW","command_param":{"task_id":"t"}}"#,
            Some("BRAND_NEW"),
            Some("t"),
            None,
        ),
        (
            r#"{"a":1,"command_name":"SYNC","b":{"c":[true,null]},"command_param":{"task_id":"t","bucket":"bk","d":"e"}}"#,
            Some("SYNC"),
            Some("t"),
            Some("bk"),
        ),
        (
            r#"{"command_name":"DELETE","command_param":null}"#,
            Some("DELETE"),
            None,
            None,
        ),
        (r#"{"command_name":"DELETE"}"#, Some("DELETE"), None, None),
        (r#"{"command_name":null}"#, None, None, None),
        (r#"{}"#, None, None, None),
    ];
    for (body, name, task, bucket) in cases {
        let (_s, config) = reply_once(Reply::json(200, body));
        let resp = fetch_command(&config, ID).unwrap();
        let c = resp.command().unwrap();
        assert_eq!(
            c.name().map(|n| n.as_str().to_string()).as_deref(),
            *name,
            "{body}"
        );
        assert_eq!((c.task_id(), c.bucket()), (*task, *bucket), "{body}");
    }
}

#[test]
fn undecodable_2xx_bodies_are_decode_errors() {
    let mut deep = "{\"x\":".to_string() + &"[".repeat(50_000) + &"]".repeat(50_000) + "}";
    deep.push(' ');
    let bodies: Vec<Vec<u8>> = vec![
        br#"{"command_name":5}"#.to_vec(),
        br#"{"command_name":"START","command_param":"oops"}"#.to_vec(),
        br#"{"command_name":"START","command_para"#.to_vec(),
        b"<html>not json</html>".to_vec(),
        b"{\"command_name\":\"ST\xff\xfeRT\"}".to_vec(),
        deep.into_bytes(),
    ];
    for body in bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let (server, config) = reply_once(Reply::Full {
            status: 200,
            headers: vec![],
            body,
        });
        let err = fetch_command(&config, ID).unwrap_err();
        let Error::Decode(d) = &err else {
            panic!("{shown}: {err:?}")
        };
        assert!(d.line() >= 1, "{shown}");
        assert!(!err.is_retryable());
        assert_eq!(server.requests().len(), 1);
    }
    // No body at all is no command, as a 204 is: nothing to do.
    let (_server, config) = reply_once(Reply::Full {
        status: 200,
        headers: vec![],
        body: Vec::new(),
    });
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.command().unwrap().name(), None);
}

#[test]
fn no_content_means_nothing_to_do() {
    let (_s, config) = reply_once(Reply::Full {
        status: 204,
        headers: vec![],
        body: vec![],
    });
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.command().unwrap().name(), None);
}

#[test]
fn body_over_the_cap_stops_reading() {
    // Declared length over the cap: refused before reading.
    let (_s, config) = reply_once(Reply::Full {
        status: 200,
        headers: vec![],
        body: vec![b' '; 4097],
    });
    let small = Config::builder(config.endpoint(), token())
        .body_cap(4096)
        .build()
        .unwrap();
    let err = fetch_command(&small, ID).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BodyTooLarge {
                cap: 4096,
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );

    // Exactly at the cap: read.
    let body = format!("{SEED_200}{}", " ".repeat(4096 - SEED_200.len()));
    let (_s, config) = reply_once(Reply::json(200, &body));
    let at = Config::builder(config.endpoint(), token())
        .body_cap(4096)
        .build()
        .unwrap();
    assert!(fetch_command(&at, ID).is_ok());

    // No declared length (chunked), 16 MiB: stops at the cap.
    let (_s, config) = reply_once(Reply::Stream {
        status: 200,
        len: 16 << 20,
    });
    let started = Instant::now();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(
        matches!(err, Error::BodyTooLarge { cap, .. } if cap == 1 << 20),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn server_that_never_answers_times_out_near_the_deadline() {
    let (_s, config) = reply_once(Reply::Hang);
    let deadline = Duration::from_millis(800);
    let config = Config::builder(config.endpoint(), token())
        .timeout(deadline)
        .build()
        .unwrap();
    support::assert_times_out_near(&config, deadline);
}

#[test]
fn redirects_are_reported_not_followed() {
    let other = Server::http(|_| Reply::json(200, SEED_200));
    let target = format!("{}/v3/sources/{ID}/command", other.url());
    let (server, config) = reply_once(
        Reply::json(302, "")
            .header("Location", &target)
            .header("X-Request-Id", "r-302"),
    );
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Redirect(r) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(r.status(), 302);
    assert_eq!((err.status(), err.attempts()), (Some(302), None));
    assert_eq!(
        err.to_string(),
        format!(
            "HTTP 302 redirect to {target} was not followed (credentials are only sent to the \
             configured endpoint); configure the endpoint the redirect points to, if it is trusted"
        )
    );
    assert_eq!(r.location(), Some(target.as_str()));
    assert_eq!(r.request_id(), Some("r-302"));
    assert_eq!(server.requests().len(), 1);
    assert!(
        other.requests().is_empty(),
        "the redirect target must not be contacted"
    );
    assert!(!err.to_string().contains("TOKEN-MARKER"));
}

#[test]
fn certificate_failures_are_clear_tls_errors() {
    let pki = Pki::new();
    let cases: Vec<(&str, Arc<rustls::ServerConfig>, Vec<u8>, &str)> = vec![
        (
            "untrusted",
            Pki::new().server(),
            pki.ca_pem.clone().into_bytes(),
            "untrusted CA",
        ),
        (
            "expired",
            pki.server_for(&["localhost", "127.0.0.1"], true),
            pki.ca_pem.clone().into_bytes(),
            "expired",
        ),
        (
            "wrong host",
            pki.server_for(&["sms.example.com"], false),
            pki.ca_pem.clone().into_bytes(),
            "not valid for the host",
        ),
    ];
    for (name, tls, ca, expect) in cases {
        let server = Server::https(tls, |_| Reply::json(200, SEED_200));
        let config = Config::builder(server.url(), token())
            .ca_pem(ca)
            .build()
            .unwrap();
        let err = fetch_command(&config, ID).unwrap_err();
        let Error::Transport(t) = &err else {
            panic!("{name}: {err:?}")
        };
        assert_eq!(t.kind(), TransportKind::Tls, "{name}: {err}");
        assert!(err.to_string().contains(expect), "{name}: {err}");
        assert!(
            !err.is_retryable(),
            "{name}: a rejected certificate is not retried"
        );
        assert!(
            std::error::Error::source(&err).is_some(),
            "{name}: cause kept"
        );
        assert!(
            server.requests().is_empty(),
            "{name}: no request may pass a failed handshake"
        );
    }
    // The default webpki roots do not trust a private CA either.
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let config = Config::builder(server.url(), token()).build().unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(err.to_string().contains("untrusted CA"), "{err}");
}

#[test]
fn invalid_server_ids_never_reach_the_network() {
    let (server, config) = reply_once(Reply::json(200, SEED_200));
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "a b",
        "a?b",
        "%2e%2e",
        &"x".repeat(256),
    ] {
        let err = fetch_command(&config, bad).unwrap_err();
        assert!(matches!(err, Error::InvalidServerId(_)), "{bad:?}: {err:?}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn response_head_and_kept_header_limits() {
    use hwsms::limits::{MAX_KEPT_HEADER_LEN, MAX_RESPONSE_HEADER_SIZE};
    // A request id longer than the kept length is cut at it; at the length it is whole.
    for (len, kept) in [
        (MAX_KEPT_HEADER_LEN, MAX_KEPT_HEADER_LEN),
        (MAX_KEPT_HEADER_LEN + 1, MAX_KEPT_HEADER_LEN),
    ] {
        let rid = "r".repeat(len);
        let (_s, config) = reply_once(Reply::json(200, SEED_200).header("X-Request-Id", &rid));
        let resp = fetch_command(&config, ID).unwrap();
        assert_eq!(resp.request_id().unwrap().len(), kept);
    }
    // A head just under the limit (documented as 64 KiB, so written out
    // here) is read; one past it is a protocol error.
    let under = "h".repeat(63 * 1024);
    let (_s, config) = reply_once(Reply::json(200, SEED_200).header("X-Big", &under));
    assert!(fetch_command(&config, ID).is_ok());
    let over = "h".repeat(MAX_RESPONSE_HEADER_SIZE + 1);
    let (_s, config) = reply_once(Reply::json(200, SEED_200).header("X-Big", &over));
    let err = fetch_command(&config, ID).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind(), TransportKind::Protocol, "{err}");
}

#[test]
fn errors_before_any_request_carry_their_cause() {
    use std::error::Error as _;
    // A CA file that cannot be read: the message says which, the source is
    // the operating system's error.
    let err = Config::builder("https://127.0.0.1:1", Credentials::token("T"))
        .ca_file("/nonexistent/hwsms-ca.pem")
        .build()
        .unwrap_err();
    let Error::Config(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        c.message(),
        "cannot read CA file \"/nonexistent/hwsms-ca.pem\""
    );
    let source = err.source().expect("the I/O error");
    assert!(
        source
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound),
        "{source:?}"
    );
    // A bad server id and a bad report: the source is the typed reason.
    let (_s, config) = reply_once(Reply::json(200, SEED_200));
    let err = fetch_command(&config, "a/b").unwrap_err();
    let source = err.source().expect("the id's error");
    assert!(source.is::<hwsms::error::InvalidServerId>(), "{source:?}");
    assert!(err.to_string().contains(&source.to_string()), "{err}");
    let err = hwsms::report_command_result(&config, ID, "", hwsms::CommandOutcome::Success, "{}")
        .unwrap_err();
    let source = err.source().expect("the report's error");
    assert!(source.is::<hwsms::error::InvalidReport>(), "{source:?}");
}
