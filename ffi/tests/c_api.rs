//! The C library from C, built and linked the way the README tells a C
//! developer to: `scripts/install.sh` into a prefix, then `gcc` with
//! `pkg-config --cflags --libs hwsms` and an rpath (shared), or
//! `-Wl,-Bstatic` and `pkg-config --static` (static). The programs
//! (`examples/c/fetch_command.c`, `tests/c/test_api.c`,
//! `tests/c/test_channel.c`) are built with `-std=c99 -Wall -Wextra -Werror
//! -pedantic` and run against the local stand-in (`examples/sms_standin.rs`)
//! under valgrind (`--leak-check=full --error-exitcode`):
//!
//! - against a stand-in that honours the client's cipher order (ChaCha20),
//!   with no suppressions;
//! - against one that offers only AES-GCM, as many real servers pick, with
//!   `ffi/valgrind.supp`, by IP and by host name (`localhost`).
//!
//! The libraries and the stand-in are built into their own target directory
//! (`target/c-tests`), so this test never invalidates what `cargo test`
//! built. `cargo test --release` runs the same checks on the release (LTO)
//! libraries that users link.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "c-test-token";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The profile this test was built with decides the libraries' profile.
fn release() -> bool {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().ends_with("release")
}

/// `target/c-tests/<profile>`: where the libraries and the stand-in are built.
fn build_dir() -> PathBuf {
    root()
        .join("target/c-tests")
        .join(if release() { "release" } else { "debug" })
}

fn valgrind() -> PathBuf {
    ["/usr/bin/valgrind", "/usr/local/bin/valgrind"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("valgrind is not installed (apt-get install valgrind)")
}

/// A stand-in server; killed on drop. Its request log goes to a file.
struct Standin {
    child: Child,
    url: String,
    ca: PathBuf,
    log: PathBuf,
}

impl Standin {
    fn start(tag: &str, extra: &[&str]) -> Standin {
        let bin = build_dir().join("examples").join("sms_standin");
        let dir = std::env::temp_dir().join(format!("hwsms-c-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (ca, log) = (dir.join("ca.pem"), dir.join("requests.log"));
        let mut child = Command::new(bin)
            .args(["--token", TOKEN, "--ca-out"])
            .arg(&ca)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(File::create(&log).unwrap())
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
            log,
        }
    }

    /// The same stand-in, addressed by host name.
    fn url_by_name(&self) -> String {
        self.url.replace("127.0.0.1", "localhost")
    }

    /// Request log lines containing `needle`.
    fn requests_with(&self, needle: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .filter(|l| l.contains(needle))
            .count()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds `libhwsms.a`, `libhwsms.so` and the stand-in for this profile in
/// their own target directory (integration tests link rlibs only, so
/// `cargo test` never builds the C libraries itself).
/// A line on the terminal while the test runs. The harness captures
/// `eprintln!`, not writes to the stderr handle; a newcomer should not take
/// a quiet first build of several minutes for a hang.
fn progress(what: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "c_api: {what}");
}

fn build_prerequisites() {
    progress(
        "building libhwsms and the stand-in in target/c-tests \
         (minutes on the first run, seconds after)",
    );
    let mut cargo = Command::new(env!("CARGO"));
    cargo
        .current_dir(root())
        .env("CARGO_TARGET_DIR", root().join("target/c-tests"))
        .args(["build", "--quiet", "-p", "hwsms-ffi", "--lib"])
        .args(["-p", "hwsms-examples", "--example", "sms_standin"]);
    if release() {
        cargo.arg("--release");
    }
    let status = cargo.status().expect("cargo runs");
    assert!(status.success(), "building the C library failed");
}

/// Installs with `scripts/install.sh` into a fresh prefix; returns it.
fn install(tag: &str) -> PathBuf {
    let prefix = std::env::temp_dir().join(format!("hwsms-prefix-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&prefix);
    let status = Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .arg(&prefix)
        .env("HWSMS_LIB_DIR", build_dir())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "scripts/install.sh failed");
    for link in ["libhwsms.so", "libhwsms.so.0"] {
        assert!(prefix.join("lib").join(link).exists(), "{link} missing");
    }
    prefix
}

/// `pkg-config ARGS hwsms` against the installed prefix, split into words.
fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("pkg-config")
        .args(args)
        .arg("hwsms")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("pkg-config runs (apt-get install pkg-config)");
    assert!(out.status.success(), "pkg-config {args:?} failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Compiles `source` the README's way; returns the executable.
fn compile(prefix: &Path, source: &str, out: &str, shared: bool) -> PathBuf {
    let link = if shared { "shared" } else { "static" };
    let tag = prefix.file_name().unwrap().to_string_lossy();
    let exe = build_dir().join(format!("c-{out}-{link}-{tag}"));
    let mut gcc = Command::new("gcc");
    gcc.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-o")
        .arg(&exe)
        .arg(root().join(source));
    if shared {
        // README: gcc agent.c $(pkg-config --cflags --libs hwsms) -Wl,-rpath,PREFIX/lib
        gcc.args(pkg_config(prefix, &["--cflags", "--libs"]))
            .arg(format!("-Wl,-rpath,{}", prefix.join("lib").display()));
    } else {
        // README: gcc agent.c -Wl,-Bstatic $(pkg-config --static --cflags --libs hwsms)
        gcc.arg("-Wl,-Bstatic")
            .args(pkg_config(prefix, &["--static", "--cflags", "--libs"]));
    }
    gcc.arg("-lpthread");
    let status = gcc.status().expect("gcc runs");
    assert!(status.success(), "gcc failed for {source} ({link})");
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(&exe)
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert_eq!(
        dynamic.contains("[libhwsms.so.0]"),
        shared,
        "{source} ({link}): NEEDED entries:\n{dynamic}"
    );
    exe
}

/// How to run a program: directly, or under valgrind with or without the
/// project's suppressions.
#[derive(Clone, Copy)]
enum Under<'a> {
    Plain,
    Valgrind(&'a Path),
    ValgrindSuppressed(&'a Path),
}

/// Runs `exe`; returns (exit code, stdout, stderr).
fn run(exe: &Path, args: &[&str], under: Under<'_>) -> (i32, String, String) {
    let mut cmd = match under {
        Under::Plain => Command::new(exe),
        Under::Valgrind(vg) | Under::ValgrindSuppressed(vg) => {
            let mut c = Command::new(vg);
            c.args(["-q", "--leak-check=full", "--error-exitcode=99"]);
            if let Under::ValgrindSuppressed(_) = under {
                c.arg(format!(
                    "--suppressions={}",
                    root().join("ffi/valgrind.supp").display()
                ));
            }
            c.arg(exe);
            c
        }
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

struct Programs {
    test_api: PathBuf,
    test_channel: PathBuf,
    cli: PathBuf,
    /// The README's "A whole agent", compiled as it stands in README.md.
    readme_agent: PathBuf,
    shared: bool,
}

/// Writes the README's C agent (the ```c block after "**A whole agent.**")
/// to a file for the compiler; returns its path.
fn readme_agent_source() -> PathBuf {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let from = readme
        .find("**A whole agent.**")
        .expect("README has its C agent");
    let block = &readme[from..];
    let start = block.find("```c\n").expect("a ```c block") + "```c\n".len();
    let end = start + block[start..].find("\n```").unwrap();
    std::fs::create_dir_all(build_dir()).unwrap();
    let path = build_dir().join("readme_agent.c");
    // Written beside and renamed into place: tests running at once may be
    // compiling the file while another writes it.
    let fresh = build_dir().join(format!(
        "readme_agent.c.{}.{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&fresh, &block[start..=end]).unwrap();
    std::fs::rename(&fresh, &path).unwrap();
    path
}

fn programs(prefix: &Path, shared: bool) -> Programs {
    let agent = readme_agent_source();
    Programs {
        readme_agent: compile(prefix, agent.to_str().unwrap(), "readme_agent", shared),
        test_api: compile(prefix, "ffi/tests/c/test_api.c", "test_api", shared),
        test_channel: compile(prefix, "ffi/tests/c/test_channel.c", "test_channel", shared),
        cli: compile(
            prefix,
            "examples/c/fetch_command.c",
            "fetch_command",
            shared,
        ),
        shared,
    }
}

/// The CLI contract: a 200 is one JSON line, keys in the documented order.
fn cli_fetches(p: &Programs, url: &str, ca: &str, under: Under<'_>) {
    let args = ["--endpoint", url, "--ca-file", ca, "--server-id", ID];
    let (code, out, err) = run(&p.cli, &args, under);
    assert_eq!(code, 0, "fetch_command (shared={}) {url}:\n{err}", p.shared);
    assert_eq!(
        out,
        "{\"command_name\":\"START\",\"task_id\":\"xxxxxxxxxxxxxxxxxxxxxxxx00000001\",\"bucket\":null}\n"
    );
}

#[test]
fn c_programs_built_the_readme_way_work() {
    exercise("plain", Under::Plain, Under::Plain);
}

#[test]
#[ignore = "runs the C programs under valgrind (slow); run with: cargo test -- --include-ignored"]
fn c_programs_run_clean_under_valgrind() {
    let vg = valgrind();
    exercise(
        "valgrind",
        Under::Valgrind(&vg),
        Under::ValgrindSuppressed(&vg),
    );
}

/// Builds, installs, compiles and runs every C program, static and shared:
/// `clean` against a stand-in that honours the client's cipher order,
/// `suppressed` against one that offers only AES-GCM (by IP and by name).
fn exercise(tag: &str, clean: Under<'_>, suppressed: Under<'_>) {
    build_prerequisites();
    let prefix = install(tag);
    let standin = Standin::start(&format!("{tag}-chacha"), &[]);
    let aes_gcm = Standin::start(&format!("{tag}-aesgcm"), &["--aes-gcm-only"]);
    for shared in [false, true] {
        let link = if shared { "shared" } else { "static" };
        progress(&format!(
            "{tag}: compiling and running the C programs, {link}"
        ));
        let p = programs(&prefix, shared);
        let ca = standin.ca.to_str().unwrap();

        // A server that honours the client's cipher order: no suppressions.
        let (code, out, err) = run(&p.test_api, &[&standin.url, ca, TOKEN], clean);
        assert_eq!(code, 0, "test_api ({link}) failed:\n{out}\n{err}");
        assert!(out.contains("all C API checks passed"));
        let run_tag = format!("{tag}-{link}-{}", std::process::id());
        let (code, out, err) = run(&p.test_channel, &[&standin.url, ca, TOKEN, &run_tag], clean);
        assert_eq!(code, 0, "test_channel ({link}) failed:\n{out}\n{err}");
        assert!(out.contains("all C channel checks passed"));
        // The 401 was sent once: the stop came during the auth pause.
        let unauthorized = format!("GET /v3/sources/unauthorized-{run_tag}/command");
        assert_eq!(standin.requests_with(&unauthorized), 1, "{link}");
        let polls = format!("GET /v3/sources/wait-{run_tag}/command");
        assert_eq!(
            standin.requests_with(&polls),
            3,
            "{link}: nothing, nothing, START"
        );
        cli_fetches(&p, &standin.url, ca, clean);
        cli_contract(&p, &standin.url, ca, clean);
        readme_agent_runs(&p, &standin, clean);

        // A server that picks AES-GCM, by IP and by host name: the
        // documented suppressions make the run clean.
        let ca = aes_gcm.ca.to_str().unwrap();
        let (code, out, err) = run(&p.test_api, &[&aes_gcm.url, ca, TOKEN], suppressed);
        assert_eq!(code, 0, "test_api ({link}, AES-GCM) failed:\n{out}\n{err}");
        cli_fetches(&p, &aes_gcm.url, ca, suppressed);
        cli_fetches(&p, &aes_gcm.url_by_name(), ca, suppressed);
    }
    let _ = std::fs::remove_dir_all(&prefix);
}

/// The README's C agent: it polls, reports the command it got, and stops
/// cleanly on SIGTERM; a second SIGTERM (the first one's handler may
/// already have freed its poller) must find nothing to touch.
fn readme_agent_runs(p: &Programs, standin: &Standin, under: Under<'_>) {
    let id = format!("readme-agent-{}-{}", p.shared, std::process::id());
    let mut cmd = match under {
        Under::Plain => Command::new(&p.readme_agent),
        Under::Valgrind(vg) | Under::ValgrindSuppressed(vg) => {
            let mut c = Command::new(vg);
            c.args(["-q", "--leak-check=full", "--error-exitcode=99"])
                .arg(&p.readme_agent);
            c
        }
    };
    let child = cmd
        .env_clear()
        .env("HWSMS_ENDPOINT", &standin.url)
        .env("HWSMS_CA_FILE", &standin.ca)
        .env("HUAWEICLOUD_SDK_AUTH_TOKEN", TOKEN)
        .env("SMS_SERVER_ID", &id)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let report = format!("POST /v3/sources/{id}/command_result");
    let waited = std::time::Instant::now();
    while standin.requests_with(&report) == 0 {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(60),
            "the README agent sent no report"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    for _ in 0..2 {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "README agent (shared={}) ended with {:?}:\n{stdout}\n{stderr}",
        p.shared,
        out.status
    );
    assert!(stdout.contains("running START"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// Exit codes and the JSON error line of the C CLI.
fn cli_contract(p: &Programs, url: &str, ca: &str, under: Under<'_>) {
    let base = ["--endpoint", url, "--ca-file", ca, "--server-id"];
    // 403: exit 3, JSON last line of stderr, keys in the documented order.
    let (code, _, err) = run(&p.cli, &[&base[..], &["no-permission"]].concat(), under);
    assert_eq!(code, 3, "{err}");
    let last_line = err.lines().last().unwrap();
    assert!(
        last_line.starts_with("{\"status\":403,\"error_code\":\"SMS.9004\",\"error_msg\":"),
        "{last_line}"
    );
    let last: serde_json::Value = serde_json::from_str(last_line).unwrap();
    assert_eq!(last["request_id"], "req-0123456789abcdef");
    assert!(last["error_msg"].as_str().unwrap().contains("permission"));
    // --wait: nothing, nothing, then the command.
    let wait_id = format!(
        "wait-cli-{}-{}",
        p.test_api.file_name().unwrap().to_string_lossy(),
        std::process::id()
    );
    let (code, out, err) = run(
        &p.cli,
        &[&base[..], &[&wait_id, "--wait", "--interval-ms", "20"]].concat(),
        under,
    );
    assert_eq!(code, 0, "--wait: {err}");
    assert!(out.starts_with("{\"command_name\":\"START\""), "{out}");
    // --help: the usage on stdout, exit 0.
    let (code, out, _) = run(&p.cli, &["--help"], Under::Plain);
    assert_eq!(code, 0);
    assert!(out.starts_with("usage: fetch_command"), "{out}");
    // --diagnose: one JSON line, exit 0 when no step failed.
    let (code, out, err) = run(
        &p.cli,
        &["--endpoint", url, "--ca-file", ca, "--diagnose"],
        under,
    );
    assert_eq!(code, 0, "--diagnose: {out}{err}");
    let diagnosis: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(diagnosis["ok"], true, "{out}");
    // Bad server id and usage errors: exit 2. Unknown region: 2. Refused: 1.
    assert_eq!(
        run(&p.cli, &[&base[..], &["../x"]].concat(), Under::Plain).0,
        2
    );
    assert_eq!(run(&p.cli, &["--server-id", ID], Under::Plain).0, 2);
    assert_eq!(
        run(
            &p.cli,
            &["--region", "nowhere-1", "--server-id", ID],
            Under::Plain
        )
        .0,
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
    assert_eq!(run(&p.cli, &refused, Under::Plain).0, 1);
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

#[test]
fn header_stands_alone_in_c99_and_cxx11() {
    let dir = std::env::temp_dir().join(format!("hwsms-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = "#include \"hwsms.h\"\n\
        int main(void) { const char *n = hwsms_result_name(HWSMS_OK); \
        hwsms_config *c = NULL; size_t z = sizeof c; (void)z; return n == NULL; }\n";
    for (compiler, std, file) in [("gcc", "-std=c99", "h.c"), ("g++", "-std=c++11", "h.cpp")] {
        let src = dir.join(file);
        std::fs::write(&src, program).unwrap();
        let status = Command::new(compiler)
            .args([std, "-pedantic", "-Wall", "-Wextra", "-Werror", "-c", "-o"])
            .arg(dir.join(format!("{file}.o")))
            .arg("-I")
            .arg(root().join("ffi/include"))
            .arg(&src)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "hwsms.h alone does not compile with {compiler} {std}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
