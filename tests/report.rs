//! `report_command_result` against a real TLS server and through tinyproxy:
//! what is sent, what counts as success, and what is refused before any I/O.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hwsms::error::InvalidReport;
use hwsms::{AkSk, CommandOutcome, Config, Credentials, Error, ProxyChoice, report_command_result};
use support::tinyproxy::Tinyproxy;
use support::{Pki, Reply, Server, SignatureCheck, check_signature, sms_standin, unix_now};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const AK: &str = "REPORTAK0000000001";
const SK: &str = "report-secret-key-0123456789";

fn tls_config(pki: &Pki, server: &Server, credentials: Credentials) -> Config {
    Config::builder(server.url(), credentials)
        .ca_pem(pki.ca_pem.as_bytes())
        .build()
        .unwrap()
}

#[test]
fn a_signed_report_carries_the_body_hash_and_the_stand_in_accepts_it() {
    let pki = Pki::new();
    let server = Server::https(
        pki.server(),
        sms_standin(None, Some((AK.into(), SK.into()))),
    );
    let key = AkSk::new(AK, SK).project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    let config = tls_config(&pki, &server, Credentials::ak_sk(key));
    let receipt = report_command_result(
        &config,
        ID,
        "START",
        CommandOutcome::Fail,
        r#"{"reason": "disk full", "free_bytes": 0}"#,
    )
    .unwrap();
    assert_eq!(receipt.status(), 200);
    assert_eq!(receipt.attempts(), 1);
    assert_eq!(receipt.request_id(), Some("req-0123456789abcdef"));

    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, format!("/v3/sources/{ID}/command_result"));
    assert_eq!(req.header("Content-Type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["command_name"], "START");
    assert_eq!(body["result"], "fail");
    assert_eq!(body["result_detail"]["reason"], "disk full");
    assert_eq!(check_signature(req, AK, SK, unix_now()), SignatureCheck::Ok);
    // The signature covers the body: the same headers with another body fail.
    let mut tampered = req.clone();
    tampered.body = br#"{"command_name":"START","result":"success","result_detail":{}}"#.to_vec();
    assert_eq!(
        check_signature(&tampered, AK, SK, unix_now()),
        SignatureCheck::Mismatch
    );
}

#[test]
fn any_2xx_is_success_whatever_the_body() {
    let pki = Pki::new();
    let answers = [
        Reply::json(200, "\"success\""),
        Reply::json(200, ""),
        Reply::Full {
            status: 204,
            headers: vec![],
            body: vec![],
        },
        Reply::json(202, "not json at all"),
    ];
    for answer in answers {
        let expected = match &answer {
            Reply::Full { status, .. } => *status,
            _ => unreachable!(),
        };
        let server = Server::https(pki.server(), move |_| answer.clone());
        let config = tls_config(&pki, &server, Credentials::token("T"));
        let receipt =
            report_command_result(&config, ID, "SYNC", CommandOutcome::Success, "{}").unwrap();
        assert_eq!(receipt.status(), expected);
    }
}

#[test]
fn bad_reports_are_refused_before_any_io() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), sms_standin(Some("T".into()), None));
    let config = tls_config(&pki, &server, Credentials::token("T"));
    let ok = CommandOutcome::Success;
    let cases: Vec<(&str, &str, &str)> = vec![
        (ID, "", "{}"),
        (ID, "START", "[1,2]"),
        (ID, "START", "\"text\""),
        (ID, "START", "null"),
        (ID, "START", "{\"a\":"),
        ("../etc", "START", "{}"),
    ];
    let long_name = "N".repeat(256);
    for (id, name, detail) in cases.into_iter().chain([(ID, long_name.as_str(), "{}")]) {
        let err = report_command_result(&config, id, name, ok, detail).unwrap_err();
        assert!(
            matches!(err, Error::InvalidReport(_) | Error::InvalidServerId(_)),
            "{name:?} {detail:?}: {err:?}"
        );
        assert!(!err.is_retryable());
    }
    let err = report_command_result(&config, ID, "START", ok, "[]").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid result report: the result detail must be a JSON object (`{}` when there is nothing to say), not an array"
    );
    assert!(matches!(
        "maybe".parse::<CommandOutcome>(),
        Err(InvalidReport::Outcome)
    ));
    assert!(server.requests().is_empty(), "nothing may be sent");
}

#[test]
fn api_errors_are_typed_and_5xx_is_retried() {
    let pki = Pki::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = Server::https(pki.server(), move |_| {
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(503, r#"{"error_code":"SMS.0500","error_msg":"busy"}"#),
            _ => Reply::json(200, "\"success\""),
        }
    });
    let config = tls_config(&pki, &server, Credentials::token("T"));
    let receipt =
        report_command_result(&config, ID, "STOP", CommandOutcome::Success, "{}").unwrap();
    assert_eq!(receipt.attempts(), 2);

    let denied = Server::https(pki.server(), sms_standin(Some("T".into()), None));
    let config = tls_config(&pki, &denied, Credentials::token("T"));
    let err = report_command_result(
        &config,
        "no-permission",
        "STOP",
        CommandOutcome::Success,
        "{}",
    )
    .unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!((api.status(), api.error_code()), (403, Some("SMS.9004")));
    assert_eq!(denied.requests().len(), 1, "403 is not retried");
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn a_report_goes_through_tinyproxy() {
    let proxy = Tinyproxy::start(Some(("agent", "proxy-pw")));
    let pki = Pki::new();
    let server = Server::https(
        pki.server(),
        sms_standin(None, Some((AK.into(), SK.into()))),
    );
    let config = Config::builder(server.url(), Credentials::ak_sk(AkSk::new(AK, SK)))
        .ca_pem(pki.ca_pem.as_bytes())
        .proxy(ProxyChoice::Url(format!(
            "http://agent:proxy-pw@127.0.0.1:{}",
            proxy.port
        )))
        .build()
        .unwrap();
    let receipt = report_command_result(
        &config,
        ID,
        "START",
        CommandOutcome::Success,
        r#"{"via":"proxy"}"#,
    )
    .unwrap();
    assert_eq!(receipt.status(), 200);
    assert_eq!(proxy.connect_requests(), 1, "{}", proxy.log());
    let req = &server.requests()[0];
    assert_eq!(check_signature(req, AK, SK, unix_now()), SignatureCheck::Ok);
}
