//! The C library from C: builds `examples/c/fetch_command.c` and
//! `tests/c/test_api.c` with `gcc -std=c99 -Wall -Wextra -Werror` against
//! both `libhwsms.a` and `libhwsms.so`, runs them against a local HTTPS SMS
//! stand-in (the `sms_standin` example), and under valgrind with
//! `--leak-check=full --error-exitcode=1`.
//!
//! The test builds the C library and the stand-in first (see `build_prerequisites`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "c-test-token";

/// `target/<profile>`, where cargo put the libraries and examples.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn valgrind() -> Option<PathBuf> {
    let found = ["/usr/bin/valgrind", "/usr/local/bin/valgrind"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        let required = std::env::var("HWSMS_REQUIRE_VALGRIND").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "valgrind is required (HWSMS_REQUIRE_VALGRIND=1) but not installed"
        );
        eprintln!("SKIPPED valgrind runs: valgrind is not installed (apt-get install valgrind)");
    }
    found
}

/// The stand-in server; killed on drop.
struct Standin {
    child: Child,
    url: String,
    ca: PathBuf,
}

impl Standin {
    fn start() -> Standin {
        let bin = target_dir().join("examples").join("sms_standin");
        assert!(
            bin.exists(),
            "{} missing: run `cargo test` from the workspace root",
            bin.display()
        );
        let ca = std::env::temp_dir().join(format!("hwsms-c-ca-{}.pem", std::process::id()));
        let mut child = Command::new(bin)
            .args(["--token", TOKEN, "--ca-out"])
            .arg(&ca)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Standin {
            child,
            url: line.trim().to_string(),
            ca,
        }
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds `libhwsms.a`, `libhwsms.so` and the stand-in for this profile.
/// `cargo test` links integration tests against rlibs only, so it never
/// builds the C libraries: without this step the C programs would run
/// against stale or missing ones.
fn build_prerequisites() {
    let release = target_dir().ends_with("release");
    for args in [
        &["-p", "hwsms-ffi", "--lib"][..],
        &["-p", "hwsms", "--example", "sms_standin"],
    ] {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(root())
            .args(["build", "--quiet"])
            .args(args);
        if release {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "cargo build {args:?} failed");
    }
}

/// Compiles `source` against the static or the shared library.
fn compile(source: &str, out: &str, shared: bool) -> PathBuf {
    let dir = target_dir();
    let lib = dir.join(if shared { "libhwsms.so" } else { "libhwsms.a" });
    assert!(lib.exists(), "{} missing", lib.display());
    let exe = dir.join(format!(
        "c-{out}-{}",
        if shared { "shared" } else { "static" }
    ));
    let mut gcc = Command::new("gcc");
    gcc.args([
        "-std=c99",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-g",
        "-o",
    ])
    .arg(&exe)
    .arg("-I")
    .arg(root().join("ffi/include"))
    .arg(root().join(source));
    if shared {
        gcc.arg("-L")
            .arg(&dir)
            .arg("-lhwsms")
            .arg(format!("-Wl,-rpath,{}", dir.display()))
            .arg("-lpthread");
    } else {
        // What `--print native-static-libs` lists for this target.
        gcc.arg(&lib).args([
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
        ]);
    }
    let status = gcc.status().expect("gcc runs");
    assert!(
        status.success(),
        "gcc failed for {source} ({})",
        if shared { "shared" } else { "static" }
    );
    exe
}

/// Runs `exe`, under valgrind when asked; returns (exit code, stdout, stderr).
fn run(exe: &Path, args: &[&str], under_valgrind: Option<&Path>) -> (i32, String, String) {
    let mut cmd = match under_valgrind {
        Some(vg) => {
            let mut c = Command::new(vg);
            // No suppressions: against a server that honours the client's cipher
            // order (as this stand-in does), the library is valgrind-clean.
            c.args(["-q", "--leak-check=full", "--error-exitcode=99"])
                .arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = cmd
        .args(args)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", TOKEN)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(out.stdout),
        text(out.stderr),
    )
}

#[test]
fn c_programs_against_static_and_shared_library() {
    build_prerequisites();
    let standin = Standin::start();
    let ca = standin.ca.to_str().unwrap().to_string();
    let vg = valgrind();
    for shared in [false, true] {
        let test_api = compile("ffi/tests/c/test_api.c", "test_api", shared);
        let (code, out, err) = run(&test_api, &[&standin.url, &ca, TOKEN], vg.as_deref());
        assert_eq!(code, 0, "test_api (shared={shared}) failed:\n{out}\n{err}");
        assert!(out.contains("all C API checks passed"));

        let cli = compile("examples/c/fetch_command.c", "fetch_command", shared);
        let base = [
            "--endpoint",
            standin.url.as_str(),
            "--ca-file",
            ca.as_str(),
            "--server-id",
        ];
        // 200: one JSON line.
        let (code, out, err) = run(&cli, &[&base[..], &[ID]].concat(), vg.as_deref());
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"command_name":"START","task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":null})
        );
        assert_eq!(out.lines().count(), 1);
        // 403: exit 3, JSON last line of stderr.
        let (code, _, err) = run(
            &cli,
            &[&base[..], &["no-permission"]].concat(),
            vg.as_deref(),
        );
        assert_eq!(code, 3, "{err}");
        let last: serde_json::Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
        assert_eq!(last["status"], 403);
        assert_eq!(last["error_code"], "SMS.9004");
        assert_eq!(last["request_id"], "req-0123456789abcdef");
        assert!(last["error_msg"].as_str().unwrap().contains("permission"));
        // Bad server id and usage errors: exit 2. Unknown region: 2. Refused: 1.
        assert_eq!(run(&cli, &[&base[..], &["../x"]].concat(), None).0, 2);
        assert_eq!(run(&cli, &["--server-id", ID], None).0, 2);
        assert_eq!(
            run(&cli, &["--region", "nowhere-1", "--server-id", ID], None).0,
            2
        );
        let refused = [
            "--endpoint",
            "http://127.0.0.1:9",
            "--server-id",
            ID,
            "--retries",
            "0",
        ];
        assert_eq!(run(&cli, &refused, None).0, 1);
    }
}

#[test]
fn header_version_matches_the_crate() {
    let header = std::fs::read_to_string(root().join("ffi/include/hwsms.h")).unwrap();
    let expected = format!("#define HWSMS_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        header.contains(&expected),
        "ffi/cbindgen.toml's HWSMS_VERSION is stale"
    );
}
