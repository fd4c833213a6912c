//! AK/SK signing against a server that recomputes every signature, and
//! recovery from a host clock that is far off the gateway's.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hwsms::{AkSk, CommandName, Config, Credentials, Error, fetch_command};
use support::{Reply, Request, Server, http_date, unix_now};

const AK: &str = "HPUAEXAMPLEAK0000001";
const SK: &str = "SK-MARKER-ExampleSecretKey0123456789";
const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

/// The support gateway with this file's key.
fn gateway(
    sk: &'static str,
    skew: i64,
    server_time_in_body: bool,
    date_header: bool,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    support::skewed_gateway(AK, sk, skew, server_time_in_body, date_header)
}

fn config(server: &Server, key: AkSk) -> Config {
    Config::builder(server.url(), Credentials::ak_sk(key))
        .build()
        .unwrap()
}

#[test]
fn every_scope_is_signed_and_accepted() {
    let scopes: Vec<(&str, AkSk, &[&str])> = vec![
        ("none", AkSk::new(AK, SK), &["host", "x-sdk-date"]),
        (
            "project",
            AkSk::new(AK, SK).project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            &["host", "x-project-id", "x-sdk-date"],
        ),
        (
            "domain",
            AkSk::new(AK, SK).domain_id("d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"),
            &["host", "x-domain-id", "x-sdk-date"],
        ),
        (
            "temporary",
            AkSk::new(AK, SK)
                .domain_id("d0e1")
                .security_token("ST-MARKER-gQpjbi1ub3J0aC00"),
            &["host", "x-domain-id", "x-sdk-date", "x-security-token"],
        ),
    ];
    for (name, key, signed) in scopes {
        let server = Server::http(gateway(SK, 0, true, true));
        let resp =
            fetch_command(&config(&server, key), ID).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            resp.command().unwrap().name(),
            Some(CommandName::Start),
            "{name}"
        );
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1, "{name}");
        let auth = reqs[0].header("Authorization").unwrap();
        assert!(
            auth.contains(&format!("SignedHeaders={}", signed.join(";"))),
            "{name}: {auth}"
        );
        assert!(reqs[0].header("X-Auth-Token").is_none(), "{name}");
    }
}

#[test]
fn https_signature_covers_host_with_port() {
    let pki = support::Pki::new();
    let server = Server::https(pki.server(), gateway(SK, 0, true, true));
    let config = Config::builder(
        server.url(),
        Credentials::ak_sk(AkSk::new(AK, SK).project_id("p")),
    )
    .ca_pem(pki.ca_pem.as_bytes())
    .build()
    .unwrap();
    fetch_command(&config, ID).unwrap();
    assert_eq!(
        server.requests()[0].header("Host"),
        Some(server.addr.to_string().as_str())
    );
}

#[test]
fn every_unreserved_character_in_the_server_id() {
    let server = Server::http(gateway(SK, 0, true, true));
    let id = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
    fetch_command(&config(&server, AkSk::new(AK, SK).project_id("p")), id).unwrap();
    assert_eq!(
        server.requests()[0].path,
        format!("/v3/sources/{id}/command")
    );
}

#[test]
fn wrong_secret_key_is_a_401_sent_exactly_once() {
    let server = Server::http(gateway(SK, 0, true, true));
    let err = fetch_command(
        &config(&server, AkSk::new(AK, "SK-MARKER-wrong").project_id("p")),
        ID,
    )
    .unwrap_err();
    let api = err.as_api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((api.status(), api.error_code()), (401, Some("APIGW.0301")));
    assert!(!err.is_retryable());
    assert_eq!(server.requests().len(), 1, "a 401 must never be repeated");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("SK-MARKER"), "{shown}");
}

#[test]
fn gateway_clock_20_minutes_ahead_and_60_behind() {
    for skew in [20 * 60, -60 * 60] {
        let server = Server::http(gateway(SK, skew, true, true));
        let config = config(&server, AkSk::new(AK, SK).project_id("p"));
        let resp = fetch_command(&config, ID).unwrap_or_else(|e| panic!("skew {skew}: {e}"));
        assert_eq!(resp.command().unwrap().name(), Some(CommandName::Start));
        assert_eq!(
            server.requests().len(),
            2,
            "skew {skew}: one rejection, one success"
        );
        assert_eq!(resp.attempts(), 2);
        assert!(
            (config.clock_skew_secs() - skew).abs() <= 2,
            "learned {}",
            config.clock_skew_secs()
        );

        // Later calls, and clones on other threads, sign with the learned clock at once.
        let clone = config.clone();
        std::thread::spawn(move || fetch_command(&clone, ID).unwrap())
            .join()
            .unwrap();
        assert_eq!(
            server.requests().len(),
            3,
            "skew {skew}: no second rejection"
        );
    }
}

#[test]
fn a_front_end_with_a_correct_date_does_not_undo_the_learned_skew() {
    // The signature checker runs 25 minutes ahead, but Date headers come
    // from a front end with the right time.
    let checker = gateway(SK, 25 * 60, true, false);
    let server = Server::http(move |req| checker(req).header("Date", &http_date(unix_now())));
    let config = config(&server, AkSk::new(AK, SK));
    fetch_command(&config, ID).unwrap();
    assert_eq!(server.requests().len(), 2);
    for _ in 0..3 {
        fetch_command(&config, ID).unwrap();
    }
    assert_eq!(server.requests().len(), 5, "no further rejections");
}

#[test]
fn skew_is_learned_from_the_date_header_alone() {
    let server = Server::http(gateway(SK, 40 * 60, false, true));
    let config = config(&server, AkSk::new(AK, SK));
    fetch_command(&config, ID).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn skew_is_learned_from_the_error_body_alone() {
    let server = Server::http(gateway(SK, -90 * 60, true, false));
    let config = config(&server, AkSk::new(AK, SK));
    fetch_command(&config, ID).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn without_any_clock_hint_the_rejection_is_not_repeated() {
    let server = Server::http(gateway(SK, 30 * 60, false, false));
    let err = fetch_command(&config(&server, AkSk::new(AK, SK)), ID).unwrap_err();
    assert!(err.as_api().unwrap().is_signature_expired(), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn when_the_resent_request_fails_too_the_error_gives_the_skew() {
    // A gateway that always claims expiry, while announcing a clock 20 minutes ahead.
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let server = Server::http(move |_| {
        seen.fetch_add(1, Ordering::Relaxed);
        let now = unix_now() + 1200;
        Reply::json(
            401,
            &format!(
                r#"{{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information: signature expired, signature time:20000101T000000Z,server time:{}"}}"#,
                hwsms::auth::signer::format_sdk_date(now)
            ),
        )
    });
    let err = fetch_command(&config(&server, AkSk::new(AK, SK)), ID).unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(count.load(Ordering::Relaxed), 2, "re-signed exactly once");
    assert!((api.clock_skew_secs().unwrap() - 1200).abs() <= 2);
    let text = err.to_string();
    assert!(
        text.contains("s behind the gateway's") && text.contains("clock"),
        "{text}"
    );
}

#[test]
fn token_auth_never_re_sends_a_401() {
    let server = Server::http(gateway(SK, 3600, true, true));
    let config = Config::builder(server.url(), Credentials::token("TOKEN-MARKER"))
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn max_attempts_counts_the_re_signed_request() {
    // One attempt: the skew rejection is final; nothing more is sent.
    let server = Server::http(gateway(SK, 20 * 60, true, false));
    let config = Config::builder(server.url(), Credentials::ak_sk(AkSk::new(AK, SK)))
        .max_attempts(1)
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert!(err.as_api().unwrap().is_signature_expired(), "{err}");
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(server.requests().len(), 1);

    // Two attempts: the rejection and the re-signed request, nothing more.
    let server = Server::http(gateway(SK, 20 * 60, true, false));
    let config = Config::builder(server.url(), Credentials::ak_sk(AkSk::new(AK, SK)))
        .max_attempts(2)
        .build()
        .unwrap();
    assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 2);
    assert_eq!(server.requests().len(), 2);

    // Three attempts with a 503 first: 503, rejection, re-sign = 3 requests.
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let skewed = gateway(SK, 20 * 60, true, false);
    let server = Server::http(move |req| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::json(503, "{}")
        } else {
            skewed(req)
        }
    });
    let config = Config::builder(server.url(), Credentials::ak_sk(AkSk::new(AK, SK)))
        .max_attempts(3)
        .build()
        .unwrap();
    assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 3);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_token_call_is_not_resent_on_a_signature_expired_answer() {
    // Only a signature carries a date; re-sending a token request cannot
    // fix the gateway's complaint, whatever clock it reports.
    let server = Server::http(|_| {
        let ahead = hwsms::auth::signer::format_sdk_date(unix_now() + 20 * 60);
        Reply::json(
            401,
            &format!(
                r#"{{"error_code":"APIG.0303","error_msg":"Incorrect app authentication information: signature expired, server time:{ahead}"}}"#
            ),
        )
    });
    let config = Config::builder(server.url(), Credentials::token("T"))
        .build()
        .unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.requests().len(), 1);
}

/// A gateway whose signature checker runs on real time, behind a front end
/// that wrote `first_date` into the first answer (a proxy's page, one bad
/// load-balancer node). A date it refuses gets a plain 401 that does not
/// say "expired", as some gateways answer, with the right `Date`.
fn checker_behind_an_odd_front_end(first_date: String) -> impl Fn(&Request) -> Reply + Send + Sync {
    let count = AtomicUsize::new(0);
    move |req| {
        if count.fetch_add(1, Ordering::Relaxed) == 0 {
            return Reply::json(200, support::SEED_200).header("Date", &first_date);
        }
        let reply = match support::check_signature(req, AK, SK, unix_now()) {
            support::SignatureCheck::Ok => Reply::json(200, support::SEED_200),
            _ => Reply::json(
                401,
                r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: bad X-Sdk-Date"}"#,
            ),
        };
        reply.header("Date", &http_date(unix_now()))
    }
}

#[test]
fn one_odd_date_cannot_poison_the_clock() {
    let two_days = http_date(unix_now() + 2 * 86_400);
    for odd in [
        "Sat, 01 Jan 10000 00:00:00 GMT",
        "Sun, 06 Nov 300000000000 08:49:37 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        two_days.as_str(),
    ] {
        let server = Server::http(checker_behind_an_odd_front_end(odd.to_string()));
        let config = config(&server, AkSk::new(AK, SK).project_id("p"));
        fetch_command(&config, ID).unwrap();
        assert!(
            config.clock_skew_secs().abs() <= 2,
            "{odd}: {}",
            config.clock_skew_secs()
        );
        for _ in 0..3 {
            let resp = fetch_command(&config, ID).unwrap_or_else(|e| panic!("{odd}: {e}"));
            assert_eq!(resp.attempts(), 1, "{odd}: no request was refused");
        }
        assert_eq!(server.requests().len(), 4, "{odd}");
    }
}

#[test]
fn a_refusal_drops_a_wrong_offset_a_date_taught_and_resends_once() {
    // Twenty hours off: within what a Date may teach, so it is adopted…
    let server = Server::http(checker_behind_an_odd_front_end(http_date(
        unix_now() + 20 * 3600,
    )));
    let config = config(&server, AkSk::new(AK, SK));
    fetch_command(&config, ID).unwrap();
    assert!((config.clock_skew_secs() - 20 * 3600).abs() <= 2);
    // …until the gateway refuses a signature dated with it: the offset is
    // learned again from the refusal's Date, and the request re-signed once.
    let resp = fetch_command(&config, ID).unwrap();
    assert_eq!(resp.attempts(), 2);
    assert!(
        config.clock_skew_secs().abs() <= 2,
        "{}",
        config.clock_skew_secs()
    );
    assert_eq!(fetch_command(&config, ID).unwrap().attempts(), 1);
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn a_refusal_without_a_learned_offset_is_not_resent() {
    // The key is wrong: nothing a clock could fix, so one request only.
    let server = Server::http(checker_behind_an_odd_front_end(http_date(unix_now())));
    let config = config(&server, AkSk::new(AK, "SK-MARKER-wrong-secret"));
    fetch_command(&config, ID).unwrap();
    let err = fetch_command(&config, ID).unwrap_err();
    assert_eq!((err.status(), err.attempts()), (Some(401), Some(1)));
    assert_eq!(server.requests().len(), 2);
}
