//! The command channel on the command line: `hwsms fetch --wait` and
//! `hwsms report` (README, "Command line" and "Running an agent loop").

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Pki, Reply, SEED_200, SEED_403, Server, sms_standin};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "TOKEN-MARKER-c0ffee";

/// `hwsms SUBCOMMAND` with a clean settings environment and the test's token.
fn example(subcommand: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
    support::clear_settings(&mut cmd)
        .arg(subcommand)
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", TOKEN);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    (out.status.code().unwrap(), stdout, stderr)
}

fn report(server: &Server, ca: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    run(example("report")
        .args(["--endpoint", &server.url(), "--server-id", ID])
        .args(["--ca-file", ca.to_str().unwrap()])
        .args(extra))
}

fn last_json(stderr: &str) -> Value {
    serde_json::from_str(stderr.lines().last().unwrap()).unwrap()
}

#[test]
fn wait_polls_through_nothing_and_failures_to_a_command() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let server = Server::https(pki.server(), move |_| {
        match seen.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(200, r#"{"command_name":null}"#),
            1 => Reply::json(503, r#"{"error_code":"SMS.0503","error_msg":"busy"}"#),
            _ => Reply::json(200, SEED_200),
        }
    });
    let (code, out, err) = run(example("fetch").args([
        "--endpoint",
        &server.url(),
        "--server-id",
        ID,
        "--ca-file",
        ca.to_str().unwrap(),
        "--retries",
        "0",
        "--wait",
        "--interval-ms",
        "20",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "{\"command_name\":\"START\",\"task_id\":\"xxxxxxxxxxxxxxxxxxxxxxxx00000001\",\"bucket\":null}\n"
    );
    let retry_lines: Vec<_> = err.lines().filter(|l| l.starts_with("retrying")).collect();
    assert_eq!(retry_lines.len(), 1, "{err}");
    assert!(retry_lines[0].contains("503"), "{err}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn wait_exits_like_the_one_shot_call_on_api_errors() {
    let server = Server::http(|_| Reply::json(403, SEED_403));
    let (code, out, err) =
        run(example("fetch").args(["--endpoint", &server.url(), "--server-id", ID, "--wait"]));
    assert_eq!(code, 3);
    assert!(out.is_empty());
    assert_eq!(last_json(&err)["error_code"], "SMS.9004");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn sigterm_and_sigint_end_a_wait_at_once_with_nothing_on_stdout() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let server = Server::http(|_| Reply::json(200, "{}"));
        let child = example("fetch")
            .args(["--endpoint", &server.url(), "--server-id", ID, "--wait"])
            .args(["--interval-ms", "60000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until it has polled once and sleeps out its interval.
        let started = Instant::now();
        while server.requests().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(10));
        }
        let signalled = Instant::now();
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let out = child.wait_with_output().unwrap();
        let took = signalled.elapsed();
        assert_eq!(
            out.status.code(),
            Some(code),
            "SIG{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "SIG{signal}: stdout must stay empty");
        assert!(took < Duration::from_secs(1), "SIG{signal}: took {took:?}");
    }
}

#[test]
fn help_exits_0_and_names_the_credential_variables() {
    for name in ["fetch", "report", "diagnose"] {
        let (code, out, _) = run(example(name).arg("--help"));
        assert_eq!(code, 0, "{name}");
        assert!(out.contains("HUAWEICLOUD_SDK_AK"), "{name}: {out}");
        assert!(out.contains("HUAWEICLOUD_SDK_AUTH_TOKEN"), "{name}: {out}");
        assert!(out.contains("HWSMS_ENDPOINT"), "{name}: {out}");
        let (code, same, _) = run(example("help").arg(name));
        assert_eq!((code, same), (0, out), "hwsms help {name}");
    }
}

#[test]
fn the_program_says_its_version_and_its_commands() {
    let hwsms = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
        support::clear_settings(&mut cmd);
        cmd
    };
    for flag in ["--version", "-V"] {
        let (code, out, _) = run(hwsms().arg(flag));
        assert_eq!(code, 0);
        assert_eq!(out, format!("hwsms {}\n", env!("CARGO_PKG_VERSION")));
    }
    for help in ["--help", "-h", "help"] {
        let (code, out, _) = run(hwsms().arg(help));
        assert_eq!(code, 0, "{help}");
        for command in ["fetch", "report", "diagnose"] {
            assert!(out.contains(command), "{help}: {out}");
        }
    }
    // No command, or an unknown one: a usage error, exit 2.
    let (code, out, err) = run(&mut hwsms());
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("a command is required"), "{err}");
    let (code, _, err) = run(hwsms().arg("fetch_command"));
    assert_eq!(code, 2);
    assert!(err.contains("unknown command"), "{err}");
}

#[test]
fn report_result_success_prints_the_status() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = Server::https(pki.server(), sms_standin(Some(TOKEN.into()), None));
    let (code, out, err) = report(
        &server,
        &ca,
        &[
            "--command",
            "START",
            "--result",
            "success",
            "--detail",
            r#"{"progress":100}"#,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "{\"status\":200}\n");
    let req = &server.requests()[0];
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["result_detail"]["progress"], 100);

    // Without --detail the detail is {}.
    let (code, _, _) = report(&server, &ca, &["--command", "STOP", "--result", "fail"]);
    assert_eq!(code, 0);
    let body: Value = serde_json::from_slice(&server.requests()[1].body).unwrap();
    assert_eq!(body["result_detail"], serde_json::json!({}));
}

#[test]
fn report_result_api_errors_exit_3() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = Server::https(pki.server(), |_| {
        Reply::json(403, SEED_403).header("X-Request-Id", "rid-r")
    });
    let (code, out, err) = report(&server, &ca, &["--command", "START", "--result", "fail"]);
    assert_eq!(code, 3);
    assert!(out.is_empty());
    let v = last_json(&err);
    assert_eq!(
        (v["status"].as_u64(), v["request_id"].as_str()),
        (Some(403), Some("rid-r"))
    );
}

#[test]
fn report_result_refuses_bad_input_with_2_and_sends_nothing() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = Server::https(pki.server(), |_| Reply::json(200, "\"success\""));
    let cases: [&[&str]; 7] = [
        &["--command", "START", "--result", "done"],
        &[
            "--command",
            "START",
            "--result",
            "success",
            "--detail",
            "[1]",
        ],
        &[
            "--command",
            "START",
            "--result",
            "success",
            "--detail",
            "{oops",
        ],
        &["--command", "", "--result", "success"],
        &["--result", "success"],
        &["--command", "START"],
        &["--command", "START", "--result", "success", "--bogus"],
    ];
    for args in cases {
        let (code, out, err) = report(&server, &ca, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
    }
    let (code, _, _) = run(example("report").args([
        "--endpoint",
        &server.url(),
        "--server-id",
        "bad/id",
        "--command",
        "START",
        "--result",
        "success",
    ]));
    assert_eq!(code, 2);
    assert!(server.requests().is_empty(), "nothing may be sent");
}

#[test]
fn report_result_network_failures_exit_1() {
    let port = support::free_port();
    let (code, _, err) = run(example("report").args([
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--server-id",
        ID,
        "--command",
        "START",
        "--result",
        "success",
        "--retries",
        "0",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refused"), "{err}");
}
