//! What `fetch_command` and `report_command_result` send verifies with
//! Huawei's official Python SDK signer (`huaweicloudsdkcore`, installed by
//! `.ci/run`), for every scope, and for a POST body.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use hwsms::{AkSk, CommandOutcome, Config, Credentials, fetch_command, report_command_result};
use support::{Reply, SEED_200, Server};

const AK: &str = "HPUAEXAMPLEAK0000001";
const SK: &str = "ExampleSecretKey0123456789abcdefghijklmn";

/// Panics when the official SDK is missing: these tests are
/// `#[ignore = "needs huaweicloudsdkcore"]` and run only when asked for.
fn require_official_sdk() {
    let ok = Command::new("python3")
        .args(["-c", "import huaweicloudsdkcore.signer.signer"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python3 -m pip install huaweicloudsdkcore==3.1.219 to cross-check signatures"
    );
}

fn official_authorization(req: &support::Request) -> String {
    let auth = req.header("Authorization").unwrap();
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let headers: serde_json::Map<String, serde_json::Value> = signed
        .split(';')
        .map(|name| (name.to_string(), req.header(name).unwrap().into()))
        .collect();
    let input = serde_json::json!({
        "method": req.method,
        "host": req.header("Host").unwrap(),
        "path": req.path,
        "headers": headers,
        "body": String::from_utf8(req.body.clone()).unwrap(),
        "ak": AK,
        "sk": SK,
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/official_sdk_sign.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
#[ignore = "uses the official Python SDK (pip install huaweicloudsdkcore==3.1.219); run with: cargo test -- --include-ignored"]
fn official_signer_agrees_for_every_scope() {
    require_official_sdk();
    let keys = [
        (
            "project",
            AkSk::new(AK, SK).project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        ),
        (
            "domain",
            AkSk::new(AK, SK).domain_id("d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f"),
        ),
        (
            "temporary",
            AkSk::new(AK, SK)
                .project_id("p1")
                .security_token("gQpjbi1ub3J0aC00AAAA=="),
        ),
    ];
    for (name, key) in keys {
        let server = Server::http(|_| Reply::json(200, SEED_200));
        let config = Config::builder(server.url(), Credentials::ak_sk(key))
            .build()
            .unwrap();
        for id in ["f32ab4d6-d150-4fb3-aa55-edbb5cf9947f", "Srv_01.a~b-c"] {
            fetch_command(&config, id).unwrap();
        }
        for req in server.requests() {
            let ours = req.header("Authorization").unwrap().to_string();
            assert_eq!(official_authorization(&req), ours, "{name}: {}", req.path);
        }
    }
}

#[test]
#[ignore = "uses the official Python SDK (pip install huaweicloudsdkcore==3.1.219); run with: cargo test -- --include-ignored"]
fn official_signer_agrees_for_a_signed_post_with_a_body() {
    require_official_sdk();
    let server = Server::http(|_| Reply::json(200, "\"success\""));
    let key = AkSk::new(AK, SK).project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    let config = Config::builder(server.url(), Credentials::ak_sk(key))
        .build()
        .unwrap();
    let details = [
        r#"{"k":"v"}"#,
        r#"{"progress":100,"note":"ünïcode \" quote"}"#,
        "{}",
    ];
    for detail in details {
        report_command_result(
            &config,
            "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f",
            "START",
            CommandOutcome::Success,
            detail,
        )
        .unwrap();
    }
    let requests = server.requests();
    assert_eq!(requests.len(), details.len());
    for req in requests {
        assert_eq!(req.method, "POST");
        let ours = req.header("Authorization").unwrap().to_string();
        assert!(
            ours.contains("content-type;host;x-project-id;x-sdk-date"),
            "{ours}"
        );
        assert_eq!(
            official_authorization(&req),
            ours,
            "{}",
            String::from_utf8_lossy(&req.body)
        );
    }
}
