//! The agent's other calls on the command line: `hwsms register`,
//! `progress`, `certkey`, `config` and `call` against the stand-in over
//! TLS with AK/SK, which checks every body and signature.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;
use support::agent_api::{PASSPHRASE, PRIVATE_KEY, REGISTERED_ID};
use support::{Pki, Server, SignatureCheck, check_signature, sms_standin, unix_now};

const AK: &str = "CLIAGENTAK00000001";
const SK: &str = "cli-agent-secret-key-0123";
const TASK: &str = "7a1b2c3d-task-0001";

struct Standin {
    pki: Pki,
    ca: std::path::PathBuf,
    server: Server,
}

impl Standin {
    fn new() -> Standin {
        let pki = Pki::new();
        let ca = pki.ca_file();
        let server = Server::https(
            pki.server(),
            sms_standin(None, Some((AK.into(), SK.into()))),
        );
        Standin { pki, ca, server }
    }

    fn hwsms(&self, args: &[&str]) -> Command {
        let _ = &self.pki;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
        support::clear_settings(&mut cmd)
            .args(args)
            .args(["--endpoint", &self.server.url()])
            .args(["--ca-file", self.ca.to_str().unwrap()])
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK);
        cmd
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        output(self.hwsms(args).output().unwrap())
    }

    fn signed_requests(&self) -> usize {
        let requests = self.server.requests();
        for r in &requests {
            assert_eq!(
                check_signature(r, AK, SK, unix_now()),
                SignatureCheck::Ok,
                "{r:?}"
            );
        }
        requests.len()
    }
}

fn output(out: std::process::Output) -> (i32, String, String) {
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stdout.contains(SK) && !stderr.contains(SK));
    (out.status.code().unwrap(), stdout, stderr)
}

const BODY: &str = r#"{"name":"web-01","os_type":"LINUX","os_version":"CENTOS_7_9_64BIT",
  "agent_version":"25.3.0","ip":"192.168.0.10",
  "networks":[{"name":"eth0","mac":"fa:16:3e:12:34:56","ip":"192.168.0.10"}]}"#;

#[test]
fn register_prints_the_id_and_refuses_a_body_without_a_field() {
    let s = Standin::new();
    let mut child = s
        .hwsms(&["register", "--body", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(BODY.as_bytes())
        .unwrap();
    let (code, stdout, stderr) = output(child.wait_with_output().unwrap());
    assert_eq!(code, 0, "{stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line, serde_json::json!({ "id": REGISTERED_ID }));
    assert!(
        stderr.contains("btrfs_list"),
        "the environment check's fields: {stderr}"
    );
    assert_eq!(s.signed_requests(), 1);

    let dir = support::temp_dir("register-cli");
    let file = dir.join("body.json");
    std::fs::write(&file, BODY.replace(r#""agent_version":"25.3.0","#, "")).unwrap();
    let (code, _, stderr) = s.run(&["register", "--body", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("agent_version"), "{stderr}");
    assert_eq!(s.server.requests().len(), 1, "nothing sent");
}

#[test]
fn progress_is_reported_and_out_of_range_values_send_nothing() {
    let s = Standin::new();
    let base = [
        "progress",
        "--task-id",
        TASK,
        "--subtask",
        "MIGRATE_LINUX_BLOCK",
    ];
    let (code, stdout, stderr) = s.run(
        &[
            &base[..],
            &[
                "--progress",
                "40",
                "--replicated",
                "400",
                "--total",
                "1000",
                "--trace",
                "copying /",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), r#"{"status":200}"#);
    assert_eq!(s.signed_requests(), 1);
    let body: Value = serde_json::from_slice(&s.server.requests()[0].body).unwrap();
    assert_eq!(body["process_trace"], "copying /");
    for bad in [
        &["--progress", "101", "--replicated", "1", "--total", "1"][..],
        &["--progress", "5", "--replicated", "-1", "--total", "1"],
        &["--progress", "5", "--replicated", "1"],
    ] {
        let (code, _, stderr) = s.run(&[&base[..], bad].concat());
        assert_eq!(code, 2, "{bad:?}: {stderr}");
    }
    assert_eq!(s.server.requests().len(), 1, "nothing more sent");
}

#[cfg(unix)]
#[test]
fn certkey_writes_private_keys_for_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = Standin::new();
    let dir = support::temp_dir("certkey-cli").join("keys");
    let (code, stdout, stderr) = s.run(&[
        "certkey",
        "--task-id",
        TASK,
        "--out-dir",
        dir.to_str().unwrap(),
        "--ca",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("PRIVATE KEY") && !stderr.contains("PRIVATE KEY"));
    let written: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(written.as_object().unwrap().len(), 7, "{written}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    for (field, path) in written.as_object().unwrap() {
        let path = std::path::Path::new(path.as_str().unwrap());
        assert_eq!(path, dir.join(format!("{field}.pem")));
        if field.ends_with("private_key") {
            assert_eq!(mode(path), 0o600, "{field}");
            assert_eq!(std::fs::read_to_string(path).unwrap(), PRIVATE_KEY);
        } else {
            assert_eq!(mode(path) & 0o022, 0, "{field}");
        }
    }
    // Without --ca, no ca.pem is asked for or written.
    let other = support::temp_dir("certkey-cli-noca");
    let (code, stdout, _) = s.run(&[
        "certkey",
        "--task-id",
        TASK,
        "--out-dir",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("\"ca\""), "{stdout}");
    assert!(
        s.server.requests()[1]
            .path
            .ends_with("enable_ca_cert=false")
    );
    // A directory others can write is refused before any request.
    let open = support::temp_dir("certkey-cli-open");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, _, stderr) = s.run(&[
        "certkey",
        "--task-id",
        TASK,
        "--out-dir",
        open.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(s.signed_requests(), 2);
}

#[test]
fn config_prints_one_json_line() {
    let s = Standin::new();
    let (code, stdout, stderr) = s.run(&["config"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
    let line: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(line["config"]["main_region"], "ap-southeast-3");
    assert_eq!(line["regions"][1]["id"], "cn-north-4");
}

#[test]
fn call_prints_a_2xx_body_and_exits_3_on_an_api_error() {
    let s = Standin::new();
    let (code, stdout, stderr) = s.run(&["call", "GET", &format!("/v3/tasks/{TASK}/passphrase")]);
    assert_eq!(code, 0, "{stderr}");
    let body: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["passphrase"], PASSPHRASE);

    let dir = support::temp_dir("call-cli");
    let file = dir.join("check.json");
    std::fs::write(&file, r#"{"network_delay":1,"network_jitter":0,"migration_speed":900,"loss_percentage":0,"cpu_usage":1,"mem_usage":2,"evaluation_result":"ok"}"#).unwrap();
    let (code, stdout, stderr) = s.run(&[
        "call",
        "POST",
        &format!("/v3/{TASK}/update-network-check-info"),
        "--body",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(TASK));
    assert_eq!(s.signed_requests(), 2);

    let (code, _, stderr) = s.run(&["call", "GET", "/v3/tasks/missing-task/passphrase"]);
    assert_eq!(code, 3, "{stderr}");
    let last: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    assert_eq!(last["status"], 404);
    assert_eq!(last["error_code"], "SMS.1204");
    assert_eq!(last["request_id"], "req-0123456789abcdef");

    for bad in [
        &["call", "GET"][..],
        &["call", "GET", "/v2/sources"],
        &["call", "FETCH", "/v3/x"],
    ] {
        let (code, _, stderr) = s.run(bad);
        assert_eq!(code, 2, "{bad:?}: {stderr}");
    }
}

#[test]
fn every_agent_command_has_help() {
    for command in ["register", "progress", "certkey", "config", "call"] {
        let out = Command::new(env!("CARGO_BIN_EXE_hwsms"))
            .args([command, "--help"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{command}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Exit codes"),
            "{command}"
        );
    }
}
