//! Credentials that last, on the command line: a credentials file given
//! with `--credentials-file`, IAM tokens from `OS_*` renewed under
//! `hwsms fetch --wait`, and IAM's refusal as an API error (exit 3).

#[path = "../../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::authority::{Authority, DOMAIN, PASSWORD, PROJECT, USER};
use support::{Reply, SEED_200, Server, unix_now};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";

fn hwsms(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hwsms"));
    support::clear_settings(&mut cmd).args(args);
    cmd
}

/// `hwsms fetch` against `url` with the credentials file `file`.
fn fetch_with_file(url: &str, file: &str) -> Command {
    hwsms(&[
        "fetch",
        "--endpoint",
        url,
        "--server-id",
        ID,
        "--credentials-file",
        file,
    ])
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn iam_env<'a>(cmd: &'a mut Command, authority: &Authority, password: &str) -> &'a mut Command {
    cmd.env("OS_USERNAME", USER)
        .env("OS_PASSWORD", password)
        .env("OS_USER_DOMAIN_NAME", DOMAIN)
        .env("OS_PROJECT_NAME", PROJECT)
        .env("OS_AUTH_URL", authority.iam_url())
}

/// `hwsms fetch --wait` against a gateway with nothing to do for 8 s
/// (several credential lifetimes), then START; `setup` gives it its
/// credentials, `meanwhile` runs while it waits (a rotator).
fn wait_through(
    authority: &Authority,
    setup: impl FnOnce(&mut Command),
    meanwhile: impl FnOnce(),
) -> (String, support::authority::Counts) {
    let start = Instant::now();
    let server = Server::http(authority.sms(move |_| {
        if start.elapsed() < Duration::from_secs(8) {
            Reply::json(200, r#"{"command_name":""}"#)
        } else {
            Reply::json(200, SEED_200)
        }
    }));
    let url = server.url();
    let mut cmd = hwsms(&[
        "fetch",
        "--wait",
        "--interval-ms",
        "100",
        "--endpoint",
        &url,
        "--server-id",
        ID,
    ]);
    setup(&mut cmd);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    meanwhile();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    let counts = authority.counts();
    assert_eq!(out.status.code(), Some(0), "{stderr} {counts:?}");
    assert!(
        stdout.starts_with("{\"command_name\":\"START\""),
        "{stdout}"
    );
    assert!(!stderr.contains("retrying"), "no failed poll: {stderr}");
    assert_eq!(
        (counts.sms_refused, counts.sms_expired),
        (0, 0),
        "{counts:?}"
    );
    assert!(counts.sms_accepted >= 30, "{counts:?}");
    (stderr, counts)
}

#[test]
fn wait_keeps_polling_across_iam_tokens_that_expire_every_few_seconds() {
    let authority = Authority::new(3);
    let (stderr, counts) = wait_through(
        &authority,
        |cmd| {
            iam_env(cmd, &authority, PASSWORD);
        },
        || {},
    );
    assert!((3..=7).contains(&counts.tokens_minted), "{counts:?}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}

#[test]
fn wait_keeps_polling_across_metadata_keys_that_expire_every_few_seconds() {
    let authority = Authority::new(3);
    let (_, counts) = wait_through(
        &authority,
        |cmd| {
            cmd.env("HWSMS_CREDENTIALS_SOURCE", "metadata")
                .env("HWSMS_METADATA_ENDPOINT", authority.metadata_url());
        },
        || {},
    );
    assert!((3..=7).contains(&counts.keys_issued), "{counts:?}");
}

#[test]
fn wait_keeps_polling_across_a_replaced_credentials_file() {
    let authority = Authority::new(3_600);
    let later = unix_now() + 3_600;
    for n in 1..=3 {
        authority.know_key(&format!("ROTAK{n}"), &format!("ROTSK{n}"), later);
    }
    let path = private_file("wait-rotation", "[basic]\nak = ROTAK1\nsk = ROTSK1\n");
    let (_, counts) = wait_through(
        &authority,
        |cmd| {
            cmd.env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &path);
        },
        || {
            // Every 2 s a rotator installs the next key and revokes the old one.
            for n in 2..=3 {
                std::thread::sleep(Duration::from_secs(2));
                let next = path.with_extension("new");
                std::fs::write(&next, format!("[basic]\nak = ROTAK{n}\nsk = ROTSK{n}\n")).unwrap();
                make_private(&next);
                std::fs::rename(&next, &path).unwrap();
                authority.revoke(&format!("ROTAK{}", n - 1));
            }
        },
    );
    assert_eq!(counts.sms_refused, 0, "{counts:?}");
}

/// A file in a folder only its owner can write, mode 0600.
fn private_file(tag: &str, text: &str) -> std::path::PathBuf {
    let dir = support::temp_dir(tag);
    let path = dir.join("credentials");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    make_private(&path);
    path
}

fn make_private(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let _ = path;
}

#[test]
fn iam_refusing_the_password_is_exit_3_with_its_json_line() {
    let authority = Authority::new(3_600);
    let server = Server::http(authority.sms_start());
    let url = server.url();
    let mut cmd = hwsms(&["fetch", "--endpoint", &url, "--server-id", ID]);
    let (code, out, err) = run(iam_env(&mut cmd, &authority, "WRONG-PW-MARKER"));
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    let last: Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(last["status"], 401);
    assert_eq!(last["error_code"], "IAM.0007");
    assert_eq!(last["request_id"], "iam-req-1");
    assert!(
        err.contains("IAM at http://127.0.0.1") && err.contains(USER),
        "{err}"
    );
    assert!(!err.contains("WRONG-PW-MARKER"), "{err}");
    assert!(server.requests().is_empty());
}

#[test]
fn a_credentials_file_on_the_command_line_wins_over_the_environment() {
    let authority = Authority::new(3_600);
    authority.know_key("FILEAK", "FILESK", unix_now() + 3_600);
    let path = private_file("cli-credentials", "[basic]\nak = FILEAK\nsk = FILESK\n");
    let server = Server::http(authority.sms_start());
    let url = server.url();
    let file = path.to_str().unwrap();
    let (code, out, err) =
        run(fetch_with_file(&url, file).env("HUAWEICLOUD_SDK_AUTH_TOKEN", "ENV-TOKEN"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("START"), "{out}");
    let auth = server.requests()[0]
        .header("Authorization")
        .unwrap()
        .to_string();
    assert!(auth.contains("Access=FILEAK"), "{auth}");
    // A file that expired, with nothing newer: exit 2, saying when.
    std::fs::write(
        &path,
        "[basic]\nauth_token = OLD\nexpires_at = 2020-01-01T00:00:00Z\n",
    )
    .unwrap();
    let (code, _, err) = run(&mut fetch_with_file(&url, file));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("expired at 2020-01-01T00:00:00Z"), "{err}");
    // One others can write: refused before anything is sent.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&path, "[basic]\nauth_token = T\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let (code, _, err) = run(&mut fetch_with_file(&url, file));
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("other users can write it") && err.contains("chmod 600"),
            "{err}"
        );
    }
    assert_eq!(server.requests().len(), 1);
}
