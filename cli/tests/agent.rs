//! The shell agent of examples/service (README, "Running as a service"),
//! run by /bin/sh on the hwsms program against a local SMS stand-in: it
//! waits for a command, runs the handler, reports, and stops on SIGTERM.
#![cfg(unix)]

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Pki, Reply, SEED_200, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "TOKEN-MARKER-agent";

fn agent_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/service/hwsms-agent.sh")
}

/// A stand-in that has nothing to do, then START once, then nothing again;
/// it takes every report.
fn one_command_server(pki: &Pki) -> Server {
    let polls = Arc::new(AtomicUsize::new(0));
    Server::https(pki.server(), move |req| {
        if req.method == "POST" {
            assert!(support::valid_report(&req.body), "{:?}", req.body);
            return Reply::json(200, "\"success\"");
        }
        match polls.fetch_add(1, Ordering::SeqCst) {
            1 => Reply::json(200, SEED_200),
            _ => Reply::json(200, r#"{"command_name":""}"#),
        }
    })
}

/// Writes an executable handler script into a fresh folder.
fn handler(body: &str) -> (PathBuf, PathBuf) {
    let dir = support::temp_dir("agent");
    let path = dir.join("handler");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (dir, path)
}

fn start_agent(server: &Server, ca: &Path, handler: &Path) -> Child {
    start_agent_with("/bin/sh", server, ca, handler)
}

/// The agent run by `shell` (Debian's /bin/sh is dash; Red Hat's is bash).
fn start_agent_with(shell: &str, server: &Server, ca: &Path, handler: &Path) -> Child {
    let mut cmd = Command::new(shell);
    support::clear_settings(&mut cmd)
        .arg(agent_script())
        .env("HWSMS_BIN", env!("CARGO_BIN_EXE_hwsms"))
        .env("HWSMS_SERVER_ID", ID)
        .env("HWSMS_HANDLER", handler)
        .env("HWSMS_INTERVAL_MS", "50")
        .env("HWSMS_ENDPOINT", server.url())
        .env("HWSMS_CA_FILE", ca)
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (10 s at most) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn reports(server: &Server) -> Vec<Value> {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

/// SIGTERM to the agent alone; its exit code, stderr, and how long it took.
fn stop(mut agent: Child) -> (i32, String, Duration) {
    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &agent.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while agent.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = agent.kill();
            let out = agent.wait_with_output().unwrap();
            panic!(
                "the agent did not stop within 10 s of SIGTERM:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = started.elapsed();
    let out = agent.wait_with_output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains(TOKEN), "{stderr}");
    (out.status.code().unwrap_or(-1), stderr, took)
}

#[test]
fn it_runs_the_command_reports_success_with_the_handlers_detail_and_stops_on_sigterm() {
    runs_reports_and_stops("/bin/sh");
}

#[test]
fn bash_runs_it_the_same_way() {
    runs_reports_and_stops("bash");
}

fn runs_reports_and_stops(shell: &str) {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = one_command_server(&pki);
    // The handler notes what it was given in its own folder; its last
    // line is the detail.
    let (dir, script) = handler(
        "printf '%s|%s|%s|%s\\n' \"$1\" \"$2\" \"$3\" \"$HWSMS_COMMAND_JSON\" > \"$(dirname \"$0\")/ran\"\n\
         echo 'working'\n\
         echo '{\"moved_gb\":7}'",
    );
    let agent = start_agent_with(shell, &server, &ca, &script);

    wait_until("the report", || !reports(&server).is_empty());
    let report = &reports(&server)[0];
    assert_eq!(report["command_name"], "START");
    assert_eq!(report["result"], "success");
    assert_eq!(report["result_detail"], serde_json::json!({"moved_gb": 7}));
    let ran = std::fs::read_to_string(dir.join("ran")).unwrap();
    assert_eq!(
        ran.trim_end(),
        "START|xxxxxxxxxxxxxxxxxxxxxxxx00000001||\
         {\"command_name\":\"START\",\"task_id\":\"xxxxxxxxxxxxxxxxxxxxxxxx00000001\",\"bucket\":null}"
    );
    // It goes back to polling: more GETs after the report.
    let gets = |s: &Server| s.requests().iter().filter(|r| r.method == "GET").count();
    let after_report = gets(&server);
    wait_until("polling after the report", || gets(&server) > after_report);

    let (code, stderr, took) = stop(agent);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("reported START success"), "{stderr}");
    assert!(
        stderr.trim_end().ends_with("hwsms-agent: stopped"),
        "{stderr}"
    );
    // SIGTERM ends the waiting hwsms at once, not after the poll interval.
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(reports(&server).len(), 1, "one command, one report");
}

#[test]
fn a_failing_handler_is_reported_as_fail_without_a_detail() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = one_command_server(&pki);
    let (_dir, script) = handler("echo 'disk full' >&2\necho 'not json'\nexit 3");
    let agent = start_agent(&server, &ca, &script);
    wait_until("the report", || !reports(&server).is_empty());
    let report = &reports(&server)[0];
    assert_eq!(report["command_name"], "START");
    assert_eq!(report["result"], "fail");
    assert_eq!(report["result_detail"], serde_json::json!({}));
    let (code, stderr, _) = stop(agent);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("disk full"),
        "the handler's stderr reaches the log: {stderr}"
    );
}

#[test]
fn sigterm_while_the_handler_runs_stops_it_and_reports_nothing() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = one_command_server(&pki);
    let (dir, script) = handler("touch \"$(dirname \"$0\")/started\"\nsleep 30\necho '{}'");
    let agent = start_agent(&server, &ca, &script);
    wait_until("the handler", || dir.join("started").exists());
    let (code, stderr, took) = stop(agent);
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        reports(&server).is_empty(),
        "an interrupted command is not reported"
    );
}

#[test]
fn wrong_settings_exit_2_so_that_systemd_does_not_restart_it() {
    let pki = Pki::new();
    let server = one_command_server(&pki);
    let (_dir, script) = handler("exit 0");
    // No server id.
    let mut cmd = Command::new("/bin/sh");
    support::clear_settings(&mut cmd)
        .arg(agent_script())
        .env("HWSMS_BIN", env!("CARGO_BIN_EXE_hwsms"))
        .env("HWSMS_HANDLER", &script);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HWSMS_SERVER_ID is not set"));
    // hwsms itself rejects the settings: no endpoint or region anywhere.
    let mut cmd = Command::new("/bin/sh");
    support::clear_settings(&mut cmd)
        .arg(agent_script())
        .env("HWSMS_BIN", env!("CARGO_BIN_EXE_hwsms"))
        .env("HWSMS_SERVER_ID", ID)
        .env("HWSMS_HANDLER", &script)
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", TOKEN);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--endpoint or --region is required"),
        "{stderr}"
    );
    assert!(server.requests().is_empty());
}
