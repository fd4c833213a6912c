//! The proxy variables on the command line: `--proxy-from-env` follows
//! curl's rules, and without it the variables are ignored.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::Command;

use support::tinyproxy::Tinyproxy;
use support::{Pki, Reply, SEED_200, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

fn https_server() -> (Pki, Server) {
    let pki = Pki::new();
    let server = Server::https(pki.server(), |_| Reply::json(200, SEED_200));
    (pki, server)
}

/// The CLI with `--proxy-from-env`, in a clean environment plus `vars`.
fn cli_via_env(server: &Server, ca: &std::path::Path, vars: &[(&str, String)]) -> i32 {
    cli_with_env(server, ca, vars, true)
}

/// The CLI, with or without `--proxy-from-env`, in a clean environment plus `vars`.
fn cli_with_env(
    server: &Server,
    ca: &std::path::Path,
    vars: &[(&str, String)],
    from_env: bool,
) -> i32 {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
    cmd.arg("fetch");
    cmd.env_clear()
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", "TOKEN-MARKER")
        .args([
            "--endpoint",
            &server.url(),
            "--server-id",
            ID,
            "--retries",
            "0",
        ])
        .arg("--ca-file")
        .arg(ca);
    if from_env {
        cmd.arg("--proxy-from-env");
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("SECRETPW"));
    out.status.code().unwrap()
}

#[test]
#[ignore = "uses tinyproxy, a real proxy (apt-get install tinyproxy); run with: cargo test -- --include-ignored"]
fn environment_rules_follow_curl() {
    let proxy = Tinyproxy::start(None);
    let (pki, server) = https_server();
    let ca = pki.ca_file();
    let dead = {
        let port = support::free_port();
        format!("http://u:SECRETPW@127.0.0.1:{port}")
    };

    // HTTPS_PROXY is used for an https endpoint.
    assert_eq!(
        cli_via_env(&server, &ca, &[("HTTPS_PROXY", proxy.url())]),
        0
    );
    assert_eq!(proxy.connect_requests(), 1);
    // https_proxy (lower case) too, and it wins over upper case.
    assert_eq!(
        cli_via_env(
            &server,
            &ca,
            &[("https_proxy", proxy.url()), ("HTTPS_PROXY", dead.clone())]
        ),
        0
    );
    assert_eq!(proxy.connect_requests(), 2);
    // ALL_PROXY only as a fallback: HTTPS_PROXY wins over it.
    assert_eq!(
        cli_via_env(
            &server,
            &ca,
            &[("HTTPS_PROXY", proxy.url()), ("ALL_PROXY", dead.clone())]
        ),
        0
    );
    assert_eq!(proxy.connect_requests(), 3);
    assert_eq!(cli_via_env(&server, &ca, &[("ALL_PROXY", proxy.url())]), 0);
    assert_eq!(proxy.connect_requests(), 4);
    // HTTP_PROXY is not for https endpoints.
    assert_eq!(
        cli_via_env(&server, &ca, &[("HTTP_PROXY", dead.clone())]),
        0
    );
    // NO_PROXY: CIDR, exact host, and '*' bypass the (dead) proxy.
    for no_proxy in ["127.0.0.0/8", "127.0.0.1", "*", "example.com, 127.0.0.1/32"] {
        let code = cli_via_env(
            &server,
            &ca,
            &[("HTTPS_PROXY", dead.clone()), ("NO_PROXY", no_proxy.into())],
        );
        assert_eq!(code, 0, "NO_PROXY={no_proxy}");
    }
    // A NO_PROXY that does not match leaves the proxy in use (and it is dead).
    let code = cli_via_env(
        &server,
        &ca,
        &[
            ("HTTPS_PROXY", dead.clone()),
            ("no_proxy", "10.0.0.0/8,example.com".into()),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(proxy.connect_requests(), 4);
}

#[test]
fn without_proxy_from_env_the_cli_ignores_the_variables() {
    let (pki, server) = https_server();
    let ca = pki.ca_file();
    let dead = format!("http://127.0.0.1:{}", support::free_port());
    let vars = [
        ("HTTPS_PROXY", dead.clone()),
        ("https_proxy", dead.clone()),
        ("ALL_PROXY", dead.clone()),
        ("all_proxy", dead),
    ];
    // Every proxy variable points at a dead port: only a direct call succeeds.
    assert_eq!(cli_with_env(&server, &ca, &vars, false), 0);
    assert_eq!(server.requests().len(), 1);
    // The same variables with --proxy-from-env fail: they were really set.
    assert_eq!(cli_with_env(&server, &ca, &vars, true), 1);
}
