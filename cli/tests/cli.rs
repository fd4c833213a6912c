//! `hwsms fetch`'s command-line contract (README, "Command line"): exit
//! codes, the one-line stdout, and the JSON last line of stderr.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Pki, Reply, SEED_200, SEED_403, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "TOKEN-MARKER-5f2e9";
const SK: &str = "SK-MARKER-a81c3";
const ST: &str = "ST-MARKER-77d0b";

/// `hwsms fetch` with a clean settings environment and the test's token.
fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
    support::clear_settings(&mut cmd)
        .arg("fetch")
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", TOKEN);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    let (out, err) = (
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    );
    for marker in [TOKEN, SK, ST] {
        assert!(
            !out.contains(marker) && !err.contains(marker),
            "secret {marker} printed:\n{out}\n{err}"
        );
    }
    (status.code().unwrap(), out, err)
}

fn fetch(server: &Server, extra: &[&str]) -> (i32, String, String) {
    run(cli()
        .args(["--endpoint", &server.url(), "--server-id", ID])
        .args(extra))
}

fn last_json(stderr: &str) -> Value {
    serde_json::from_str(stderr.lines().last().unwrap()).unwrap()
}

#[test]
fn success_prints_exactly_one_json_line() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let ca = pki.ca_file();
    let (code, out, _) = fetch(&server, &["--ca-file", ca.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.ends_with('\n'));
    // The documented key order is part of the contract.
    assert_eq!(
        out.trim_end(),
        r#"{"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null}"#
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null})
    );
}

#[test]
fn nothing_to_do_is_null_name() {
    let server =
        Server::http(|_| Reply::json(200, r#"{"command_name":"","command_param":{"bucket":"b"}}"#));
    let (code, out, _) = fetch(&server, &[]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"command_name":null,"task_id":null,"bucket":"b"})
    );
}

#[test]
fn api_errors_exit_3_with_json_last_line() {
    let server = Server::http(|_| Reply::json(403, SEED_403).header("x-request-id", "rid-403"));
    let (code, out, err) = fetch(&server, &[]);
    assert_eq!(code, 3);
    assert!(out.is_empty());
    let v = last_json(&err);
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with(r#"{"status":403,"error_code":"SMS.9004","error_msg":"#),
        "{err}"
    );
    assert_eq!(v["status"], 403);
    assert_eq!(v["error_code"], "SMS.9004");
    assert!(v["error_msg"].as_str().unwrap().contains("permission"));
    assert_eq!(v["request_id"], "rid-403");

    let server = Server::http(|_| Reply::Full {
        status: 502,
        headers: vec![],
        body: b"<html>\n<h1>Bad Gateway</h1>\n</html>".to_vec(),
    });
    let (code, _, err) = fetch(&server, &["--retries", "0"]);
    assert_eq!(code, 3);
    let v = last_json(&err);
    assert_eq!(
        (v["status"].as_u64(), v["error_code"].as_str()),
        (Some(502), Some("502"))
    );
    assert!(v["error_msg"].as_str().unwrap().contains("Bad Gateway"));
    assert_eq!(v["request_id"], Value::Null);
    assert_eq!(server.requests().len(), 1, "--retries 0 means one attempt");
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let server = Server::http(|_| Reply::json(200, SEED_200));
    let url = server.url();
    for args in [
        vec!["--server-id", ID],
        vec!["--endpoint", &url],
        vec!["--endpoint", &url, "--server-id", "../x"],
        vec!["--endpoint", &url, "--server-id", ""],
        vec!["--endpoint", &url, "--server-id", ID, "--timeout-ms", "abc"],
        vec!["--endpoint", &url, "--server-id", ID, "--bogus"],
        vec!["--endpoint", "http://10.1.2.3", "--server-id", ID],
        vec!["--endpoint", "ftp://x", "--server-id", ID],
        vec!["--region", "xx-nowhere-1", "--server-id", ID],
        vec![
            "--endpoint",
            &url,
            "--server-id",
            ID,
            "--ca-file",
            "/nonexistent.pem",
        ],
    ] {
        let (code, out, err) = run(cli().args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(!err.is_empty());
    }
    let (code, _, err) = run(cli().env_remove("HUAWEICLOUD_SDK_AUTH_TOKEN").args([
        "--endpoint",
        &url,
        "--server-id",
        ID,
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("HUAWEICLOUD_SDK_AUTH_TOKEN"), "{err}");
    // A token longer than SMS accepts: refused at once, naming it, never
    // sent (it used to fail every call as a retryable server error).
    let huge = "t".repeat(100_000);
    let (code, _, err) = run(cli().env("HUAWEICLOUD_SDK_AUTH_TOKEN", &huge).args([
        "--endpoint",
        &url,
        "--server-id",
        ID,
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the token is 100000 bytes long"), "{err}");
    assert!(
        err.len() < 1000,
        "the message stays short: {} bytes",
        err.len()
    );
    assert!(server.requests().is_empty());
}

#[test]
fn other_failures_exit_1() {
    // Connection refused: bind a port, then free it.
    let port = support::free_port();
    let (code, _, err) = run(cli().args([
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--server-id",
        ID,
        "--retries",
        "0",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refused"), "{err}");

    let undecodable = Server::http(|_| Reply::json(200, r#"{"command_name":["START"]}"#));
    assert_eq!(fetch(&undecodable, &[]).0, 1);

    let oversize = Server::http(|_| Reply::Stream {
        status: 200,
        len: 8 << 20,
    });
    let (code, _, err) = fetch(&oversize, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cap"), "{err}");

    let hang = Server::http(|_| Reply::Hang);
    let started = Instant::now();
    let (code, _, err) = fetch(&hang, &["--timeout-ms", "700"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let pki = Pki::new();
    let untrusted = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let (code, _, err) = fetch(&untrusted, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("TLS"), "{err}");
}

#[test]
fn redirects_exit_3_and_are_not_followed() {
    let server =
        Server::http(|_| Reply::json(302, "").header("Location", "https://elsewhere.example/x"));
    let (code, _, err) = fetch(&server, &[]);
    assert_eq!(code, 3);
    let v = last_json(&err);
    assert_eq!(v["status"], 302);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn secrets_never_printed_even_when_the_server_echoes_them() {
    // A hostile server reflects every request header into its answers.
    let echo = |status: u16| {
        move |req: &support::Request| {
            let dump: String = req
                .headers
                .iter()
                .map(|(k, v)| format!("{k}={v};"))
                .collect();
            match status {
                302 => Reply::json(302, "")
                    .header(
                        "Location",
                        &format!("https://x.example/?{}", dump.replace(' ', "")),
                    )
                    .header("X-Request-Id", &dump.replace(' ', "")),
                200 => Reply::json(
                    200,
                    &format!(r#"{{"command_name":{{"echo":"{dump}"}}, "bad": "{dump}"}}"#),
                ),
                s => Reply::json(
                    s,
                    &format!(r#"{{"error_code":"APIGW.0301","error_msg":"{dump}"}}"#),
                )
                .header("X-Request-Id", &dump.replace(' ', "")),
            }
        }
    };
    for status in [401, 200, 302, 500] {
        let server = Server::http(echo(status));
        // Token credentials.
        let (code, _, _) = fetch(&server, &["--retries", "0"]);
        assert_ne!(code, 0);
        // AK/SK with a security token.
        let (code, _, _) = run(cli()
            .env("HUAWEICLOUD_SDK_AK", "AKID")
            .env("HUAWEICLOUD_SDK_SK", SK)
            .env("HUAWEICLOUD_SDK_DOMAIN_ID", "dom")
            .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", ST)
            .args([
                "--endpoint",
                &server.url(),
                "--server-id",
                ID,
                "--retries",
                "0",
            ]));
        assert_ne!(code, 0);
    }
    // Oversize body made of the token.
    let server = Server::http(|_| Reply::json(200, &TOKEN.repeat(100_000)));
    assert_eq!(fetch(&server, &[]).0, 1);
}

#[test]
fn ak_sk_wins_over_token_and_says_so() {
    let server = Server::http(|_| Reply::json(200, SEED_200));
    let (code, _, err) = run(cli()
        .env("HUAWEICLOUD_SDK_AK", "AKID")
        .env("HUAWEICLOUD_SDK_SK", SK)
        .env("HUAWEICLOUD_SDK_PROJECT_ID", "proj")
        .args(["--endpoint", &server.url(), "--server-id", ID]));
    assert_eq!(code, 0);
    assert!(err.contains("using AK/SK"), "{err}");
    let req = &server.requests()[0];
    assert!(
        req.header("Authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 Access=AKID")
    );
    assert_eq!(req.header("X-Project-Id"), Some("proj"));
    assert!(req.header("X-Auth-Token").is_none());
}

#[test]
fn system_roots_honour_ssl_cert_file() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let ca = pki.ca_file();
    let (code, out, err) = run(cli().env("SSL_CERT_FILE", &ca).args([
        "--endpoint",
        &server.url(),
        "--server-id",
        ID,
        "--system-roots",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("START"));
    // Without the private CA in SSL_CERT_FILE the same call is untrusted.
    let empty = support::temp_dir("nocert").join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let (code, _, err) = run(cli().env("SSL_CERT_FILE", &empty).args([
        "--endpoint",
        &server.url(),
        "--server-id",
        ID,
        "--system-roots",
    ]));
    assert_eq!(code, 2, "an empty bundle is a configuration error: {err}");
}

#[test]
fn region_resolves_through_its_environment_override() {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let ca = pki.ca_file();
    let (code, out, err) = run(cli()
        .env("HUAWEICLOUD_SDK_REGION_SMS_AP_SOUTHEAST_3", server.url())
        .args([
            "--region",
            "ap-southeast-3",
            "--server-id",
            ID,
            "--ca-file",
            ca.to_str().unwrap(),
        ]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("START"));
    assert_eq!(server.requests().len(), 1);
    let (code, _, err) = run(cli().args(["--region", "nowhere-9", "--server-id", ID]));
    assert_eq!(code, 2);
    assert!(
        err.contains("cn-north-4"),
        "known regions are listed: {err}"
    );
}

#[test]
fn messages_speak_the_cli_words() {
    let server = Server::http(|_| Reply::json(200, SEED_200));
    let (code, _, err) = fetch(&server, &["--retries", "20"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--retries must be between 0 and 9, not 20"),
        "{err}"
    );
    // An id read with `cat` keeps its newline: say so, counting from 1.
    let (code, _, err) = run(cli().args([
        "--endpoint",
        &server.url(),
        "--server-id",
        &format!("{ID}\n"),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("character 37 is a newline"), "{err}");
    // Region ids are trimmed and case-insensitive.
    let (code, _, err) = run(cli()
        .env("HUAWEICLOUD_SDK_REGION_SMS_AP_SOUTHEAST_3", server.url())
        .args(["--region", " AP-SOUTHEAST-3 ", "--server-id", ID]));
    assert_eq!(code, 0, "{err}");
    // A non-JSON 502 states its status once.
    let bad_gateway = Server::http(|_| Reply::Full {
        status: 502,
        headers: vec![],
        body: b"<html>Bad Gateway</html>".to_vec(),
    });
    let (code, _, err) = fetch(&bad_gateway, &["--retries", "0"]);
    assert_eq!(code, 3);
    assert!(err.contains("HTTP 502: <html>"), "{err}");
    assert!(!err.contains("502 502"), "{err}");
}

#[test]
fn the_environment_table_holds_on_the_command_line_and_flags_override_it() {
    // The same names as Config::from_env and hwsms_config_builder_from_env.
    let pki = Pki::new();
    let ca = pki.ca_file();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    let ok = |cmd: &mut Command| {
        let (code, out, err) = run(cmd.args(["--server-id", ID]));
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with(r#"{"command_name":"START""#), "{out}");
    };
    ok(cli()
        .env("HWSMS_ENDPOINT", server.url())
        .env("HWSMS_CA_FILE", &ca));
    // A region, through its endpoint override.
    ok(cli()
        .env("HUAWEICLOUD_SDK_REGION", "ap-southeast-3")
        .env("HUAWEICLOUD_SDK_REGION_SMS_AP_SOUTHEAST_3", server.url())
        .env("HWSMS_CA_FILE", &ca));
    // Flags win over the environment.
    ok(cli()
        .env("HWSMS_ENDPOINT", "https://127.0.0.1:9")
        .env("HWSMS_CA_FILE", "/nonexistent.pem")
        .args(["--endpoint", &server.url(), "--ca-file"])
        .arg(&ca));
    // A setting named but empty is a configuration error, exit 2.
    let (code, _, err) =
        run(cli()
            .env("HWSMS_CA_FILE", "")
            .args(["--endpoint", &server.url(), "--server-id", ID]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("HWSMS_CA_FILE is set but empty"), "{err}");
}
