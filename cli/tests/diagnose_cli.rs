//! `hwsms fetch --diagnose` and `hwsms diagnose` on the command line: the
//! checklist on stderr, one JSON line on stdout, exit 0/1/2.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::Command;

use serde_json::Value;
use support::{Pki, Server, sms_standin};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "DIAG-TOKEN-MARKER-9c1f";

/// `hwsms fetch --diagnose ARGS`, and `hwsms diagnose ARGS` (which must say
/// the same), in a clean environment.
fn cli(args: &[&str], token: Option<&str>) -> (i32, String, String) {
    let run = |words: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
        support::clear_settings(&mut cmd);
        if let Some(t) = token {
            cmd.env("HUAWEICLOUD_SDK_AUTH_TOKEN", t);
        }
        cmd.args(words).args(args).output().unwrap()
    };
    let out = run(&["fetch", "--diagnose"]);
    let same = run(&["diagnose"]);
    assert_eq!(out.status.code(), same.status.code());
    assert_eq!(out.stdout.is_empty(), same.stdout.is_empty());
    let (o, e) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(!o.contains(TOKEN) && !e.contains(TOKEN), "secret printed");
    (out.status.code().unwrap(), o, e)
}

#[test]
fn the_cli_contract() {
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = Server::https(pki.server(), sms_standin(Some(TOKEN.into()), None));
    let base = [
        "--endpoint",
        &server.url(),
        "--ca-file",
        ca.to_str().unwrap(),
    ];

    let (code, out, err) = cli(&[&base[..], &["--server-id", ID]].concat(), Some(TOKEN));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
    assert!(out.starts_with(r#"{"ok":true,"clock_skew_secs":"#), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let steps = v["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, hwsms::diagnose::STEP_NAMES);
    assert!(
        steps
            .iter()
            .all(|s| ["pass", "warn", "fail", "skip"].contains(&s["status"].as_str().unwrap()))
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 8, "{err}");
    assert!(
        lines[0].starts_with("[pass] config: ") && lines[4].starts_with("[pass] tls: TLS 1.3"),
        "{err}"
    );

    // Without a server id the command step is skipped; still exit 0.
    let (code, out, _) = cli(&base, Some(TOKEN));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["steps"][7]["status"], "skip");

    // A failing step: exit 1, still one JSON line.
    let (code, out, _) = cli(
        &[&base[..], &["--server-id", ID]].concat(),
        Some("wrong-token"),
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["steps"][6]["status"].as_str()),
        (Some(false), Some("fail"))
    );

    // No credentials: the config step fails.
    let (code, out, _) = cli(&base, None);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["steps"][0]["status"], "fail");
    assert!(
        v["steps"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("no credentials")
    );

    // Usage errors: exit 2, nothing on stdout.
    let (code, out, _) = cli(&["--server-id", ID], Some(TOKEN));
    assert_eq!((code, out.as_str()), (2, ""));
    let (code, _, _) = cli(&[&base[..], &["--wait"]].concat(), Some(TOKEN));
    assert_eq!(code, 2);
}
