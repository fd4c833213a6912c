//! The agent's other SMS calls (hwsms::agent) against the stand-in over
//! real TLS with AK/SK: what each sends, that the stand-in (which checks
//! every body as SMS's reference says, and every signature, bodies
//! included) accepts it, what is refused before any I/O, and which calls
//! are resent.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hwsms::agent::{
    self, DirCheck, HttpMethod, NetworkCheck, Nic, OsType, SmsRequest, SourceAddress,
    SourceRegistration, Subtask, TaskProgress,
};
use hwsms::{AkSk, Config, Credentials, Error};
use support::agent_api::{CERT, PASSPHRASE, PRIVATE_KEY, REGISTERED_ID};
use support::{Pki, Reply, Server, SignatureCheck, check_signature, sms_standin, unix_now};

const AK: &str = "AGENTAK00000000001";
const SK: &str = "agent-secret-key-0123456789";
const TASK: &str = "7a1b2c3d-task-0001";

struct Standin {
    pki: Pki,
    server: Server,
}

impl Standin {
    fn new() -> Standin {
        let pki = Pki::new();
        let server = Server::https(
            pki.server(),
            sms_standin(None, Some((AK.into(), SK.into()))),
        );
        Standin { pki, server }
    }

    fn config(&self) -> Config {
        Config::builder(self.server.url(), Credentials::ak_sk(AkSk::new(AK, SK)))
            .ca_pem(self.pki.ca_pem.as_bytes())
            .build()
            .unwrap()
    }

    /// The last request, after checking its signature covers what was sent.
    fn last_signed(&self) -> support::Request {
        let req = self.server.requests().pop().expect("a request");
        assert_eq!(
            check_signature(&req, AK, SK, unix_now()),
            SignatureCheck::Ok,
            "{req:?}"
        );
        req
    }
}

fn registration() -> SourceRegistration {
    SourceRegistration::new(
        "web-01",
        OsType::Linux,
        "CENTOS_7_9_64BIT",
        "25.3.0",
        SourceAddress::Ipv4("192.168.0.10".into()),
    )
    .network(Nic {
        name: "eth0".into(),
        mac: "fa:16:3e:12:34:56".into(),
        ip: "192.168.0.10".into(),
        ..Nic::default()
    })
    .field("has_rsync", true)
    .field(
        "disks",
        serde_json::json!([{"name": "/dev/vda", "size": 42949672960u64}]),
    )
}

#[test]
fn registering_returns_the_server_id() {
    let s = Standin::new();
    let source = agent::register_source(&s.config(), &registration()).unwrap();
    assert_eq!(source.id(), REGISTERED_ID);
    assert_eq!(source.attempts(), 1);
    let req = s.last_signed();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/v3/sources")
    );
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["networks"][0]["mac"], "fa:16:3e:12:34:56");
    assert_eq!(body["disks"][0]["name"], "/dev/vda");
}

#[test]
fn a_body_without_a_required_field_sends_nothing() {
    let s = Standin::new();
    let text = r#"{"name":"web-01","os_type":"LINUX","os_version":"x","ip":"10.0.0.1","networks":[{"mac":"m"}]}"#;
    let err = SourceRegistration::from_json(text).unwrap_err();
    assert!(err.to_string().contains("agent_version"), "{err}");
    let bad = registration().field("networks", serde_json::json!([{"name": "eth0"}]));
    let err = agent::register_source(&s.config(), &bad).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("networks[0].mac"), "{err}");
    let err = agent::report_progress(
        &s.config(),
        TASK,
        &TaskProgress::new(Subtask::CloneVm, 101, 0, 0),
    )
    .unwrap_err();
    assert!(err.to_string().contains("0 to 100"), "{err}");
    let err = agent::report_progress(
        &s.config(),
        "../x",
        &TaskProgress::new(Subtask::CloneVm, 1, 0, 0),
    )
    .unwrap_err();
    assert!(err.to_string().contains("task id"), "{err}");
    assert!(s.server.requests().is_empty());
}

#[test]
fn settings_are_read() {
    let s = Standin::new();
    let answer = agent::show_config(&s.config()).unwrap();
    let settings = answer.settings().unwrap();
    assert_eq!(settings.get("main_region"), Some("ap-southeast-3"));
    assert_eq!(settings.regions.len(), 2);
    assert_eq!(s.last_signed().path, "/v3/config");
}

#[test]
fn progress_is_a_signed_put() {
    let s = Standin::new();
    let progress = TaskProgress {
        migrate_speed: Some(112.5),
        need_migration_test: Some(false),
        ..TaskProgress::new(Subtask::MigrateLinuxBlock, 42, 42 << 30, 100 << 30).trace("copying")
    };
    let receipt = agent::report_progress(&s.config(), TASK, &progress).unwrap();
    assert_eq!(receipt.status(), 200);
    let req = s.last_signed();
    assert_eq!(req.method, "PUT");
    assert_eq!(req.path, format!("/v3/tasks/{TASK}/progress"));
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["subtask_name"], "MIGRATE_LINUX_BLOCK");
    assert_eq!(body["replicatesize"], 42u64 << 30);
    // A subtask SMS adds later goes out as named.
    let later = TaskProgress::new(Subtask::new("VERIFY_TARGET"), 100, 1, 1);
    agent::report_progress(&s.config(), TASK, &later).unwrap();
}

#[test]
fn keys_are_read_and_never_printed() {
    let s = Standin::new();
    let keys = agent::fetch_cert_key(&s.config(), TASK, true).unwrap();
    assert_eq!(keys.private_key(), PRIVATE_KEY);
    assert_eq!(keys.target_data_private_key(), PRIVATE_KEY);
    assert_eq!(keys.ca(), CERT);
    let shown = format!("{keys:?}");
    assert!(!shown.contains("StandInKey"), "{shown}");
    let req = s.last_signed();
    assert_eq!(
        req.path,
        format!("/v3/tasks/{TASK}/certkey?enable_ca_cert=true")
    );

    let without_ca = agent::fetch_cert_key(&s.config(), TASK, false).unwrap();
    assert_eq!(without_ca.ca(), "");
    assert_eq!(without_ca.cert(), CERT);

    let passphrase = agent::fetch_passphrase(&s.config(), TASK).unwrap();
    assert_eq!(passphrase.expose(), PASSPHRASE);
    assert_eq!(format!("{passphrase:?}"), "[REDACTED]");
}

#[test]
fn check_reports_are_accepted() {
    let s = Standin::new();
    let check = NetworkCheck {
        network_delay: 12.5,
        network_jitter: 0.4,
        migration_speed: 940.0,
        loss_percentage: 0.0,
        cpu_usage: 20.0,
        mem_usage: 35.0,
        evaluation_result: "good".into(),
    };
    agent::report_network_check(&s.config(), TASK, &check).unwrap();
    assert_eq!(
        s.last_signed().path,
        format!("/v3/{TASK}/update-network-check-info")
    );
    let dirs = vec![
        DirCheck {
            dir_check: "/etc".into(),
            num_total_files: 812,
            num_different_files: 0,
            num_target_miss_files: 0,
            num_target_more_files: 1,
        };
        30
    ];
    agent::report_consistency(&s.config(), TASK, &dirs).unwrap();
    assert_eq!(
        s.last_signed().path,
        format!("/v3/tasks/{TASK}/consistency-result")
    );
    let too_many = vec![dirs[0].clone(); 31];
    let err = agent::report_consistency(&s.config(), TASK, &too_many).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
}

#[test]
fn the_generic_call_signs_its_query_and_body() {
    let s = Standin::new();
    let list = SmsRequest::parse("GET", "/v3/sources?name=web+01&limit=10").unwrap();
    let answer = agent::call(&s.config(), &list).unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    assert_eq!(body["source_servers"][0]["id"], REGISTERED_ID);
    let req = s.last_signed();
    assert_eq!(req.path, "/v3/sources?limit=10&name=web%2001");

    let put = SmsRequest::new(HttpMethod::Put, &format!("/v3/tasks/{TASK}/progress"))
        .unwrap()
        .json_body(r#"{"subtask_name":"CLONE_VM","progress":5,"replicatesize":1,"totalsize":2,"process_trace":""}"#)
        .unwrap();
    agent::call(&s.config(), &put).unwrap();
    assert_eq!(s.last_signed().method, "PUT");

    // A non-2xx is an API error with SMS's code.
    let missing = SmsRequest::new(HttpMethod::Get, "/v3/tasks/missing-task/passphrase").unwrap();
    let err = agent::call(&s.config(), &missing).unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.as_api().unwrap().error_code(), Some("SMS.1204"));
    let bad = SmsRequest::new(HttpMethod::Put, &format!("/v3/tasks/{TASK}/progress"))
        .unwrap()
        .json_body(r#"{"progress":5}"#)
        .unwrap();
    let err = agent::call(&s.config(), &bad).unwrap_err();
    assert!(err.to_string().contains("subtask_name"), "{err}");
}

/// A server that fails every request with a 503.
fn unavailable() -> (Server, Arc<AtomicUsize>, Pki) {
    let pki = Pki::new();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    let server = Server::https(pki.server(), move |_| {
        count.fetch_add(1, Ordering::SeqCst);
        Reply::json(503, r#"{"error_code":"SMS.0500","error_msg":"busy"}"#)
    });
    (server, seen, pki)
}

#[test]
fn a_registration_that_may_have_arrived_is_not_resent() {
    let (server, seen, pki) = unavailable();
    let config = Config::builder(server.url(), Credentials::ak_sk(AkSk::new(AK, SK)))
        .ca_pem(pki.ca_pem.as_bytes())
        .max_attempts(3)
        .build()
        .unwrap();
    let err = agent::register_source(&config, &registration()).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "a POST that reached SMS is sent once"
    );
    // The idempotent PUT is retried.
    let progress = TaskProgress::new(Subtask::CloneVm, 1, 0, 0);
    let err = agent::report_progress(&config, TASK, &progress).unwrap_err();
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(seen.load(Ordering::SeqCst), 4);
    // So is a generic GET, but not a generic POST.
    let post = SmsRequest::new(HttpMethod::Post, "/v3/tasks")
        .unwrap()
        .json_body("{}")
        .unwrap();
    agent::call(&config, &post).unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 5);
}

#[test]
fn a_registration_that_cannot_have_arrived_is_retried() {
    // Nothing listens: the connection is refused, so no byte reached SMS.
    let port = support::free_port();
    let config = Config::builder(format!("http://127.0.0.1:{port}"), Credentials::token("T"))
        .max_attempts(2)
        .build()
        .unwrap();
    let err = agent::register_source(&config, &registration()).unwrap_err();
    assert_eq!(err.attempts(), Some(2), "{err}");
}

#[test]
fn a_403_names_the_action_of_the_call_that_got_it() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| {
        Reply::json(
            403,
            r#"{"error_code":"SMS.9004","error_msg":"no permission"}"#,
        )
    });
    let config = Config::builder(server.url(), Credentials::token("T"))
        .ca_pem(pki.ca_pem.as_bytes())
        .build()
        .unwrap();
    let err = agent::register_source(&config, &registration()).unwrap_err();
    assert!(
        err.to_string().contains("sms:server:registerServer"),
        "{err}"
    );
    let progress = TaskProgress::new(Subtask::CloneVm, 1, 0, 0);
    let err = agent::report_progress(&config, TASK, &progress).unwrap_err();
    assert!(
        err.to_string().contains("sms:server:updateTaskSpeed"),
        "{err}"
    );
    let err = agent::fetch_cert_key(&config, TASK, false).unwrap_err();
    assert!(err.to_string().contains("sms:server:showCertKey"), "{err}");
    let err = hwsms::report_command_result(
        &config,
        "abc",
        "START",
        hwsms::CommandOutcome::Success,
        "{}",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("sms:server:updateCommandResult"),
        "{err}"
    );
}
