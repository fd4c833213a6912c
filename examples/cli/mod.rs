//! What the command-line examples share: the connection flags, building the
//! `Config`, the JSON lines and the exit codes (README, "Command line").
#![allow(dead_code)]

use std::process::ExitCode;
use std::time::Duration;

use hwsms::{Config, Credentials, Error, ProxyChoice, TlsRoots};
use serde_json::Value;

/// The connection flags every command takes.
pub const CONNECTION_USAGE: &str = "(--endpoint URL | --region ID) --server-id ID \
[--ca-file PEM | --system-roots] [--timeout-ms N] [--proxy URL | --proxy-from-env] [--retries N]";

/// Where credentials come from, for `--help`.
pub const ENVIRONMENT_HELP: &str = "\
Credentials come from the environment (as in Huawei Cloud's official SDKs):
  HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK      access key pair (signs each request)
  HUAWEICLOUD_SDK_PROJECT_ID                  project scope (X-Project-Id), or
  HUAWEICLOUD_SDK_DOMAIN_ID                   account scope (X-Domain-Id)
  HUAWEICLOUD_SDK_SECURITY_TOKEN              with temporary AK/SK
  HUAWEICLOUD_SDK_AUTH_TOKEN                  an IAM token instead of AK/SK
  CLOUD_SDK_AK, CLOUD_SDK_SK                  read when the two above are unset
  HUAWEICLOUD_SDK_REGION_SMS_<REGION>         endpoint override for --region
AK/SK wins when both AK/SK and a token are set.";

/// The exit codes of the contract.
pub const EXIT_OTHER: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_API: u8 = 3;

/// Parsed connection flags.
#[derive(Debug, Default)]
pub struct Connection {
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub server_id: Option<String>,
    pub roots: Option<TlsRoots>,
    pub timeout: Option<Duration>,
    pub proxy: Option<ProxyChoice>,
    pub retries: Option<u32>,
}

/// Command-line words, as `(flag, inline value)` with `--flag=value` split.
pub struct Args {
    words: std::vec::IntoIter<String>,
    inline: Option<String>,
    pub flag: String,
}

impl Args {
    pub fn from_env() -> Args {
        Args {
            words: std::env::args().skip(1).collect::<Vec<_>>().into_iter(),
            inline: None,
            flag: String::new(),
        }
    }

    /// The next flag, or `None` at the end.
    pub fn next_flag(&mut self) -> Option<String> {
        let word = self.words.next()?;
        match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => {
                self.flag = f.to_string();
                self.inline = Some(v.to_string());
            }
            _ => {
                self.flag = word;
                self.inline = None;
            }
        }
        Some(self.flag.clone())
    }

    /// The current flag's value.
    pub fn value(&mut self) -> Result<String, String> {
        self.inline
            .take()
            .or_else(|| self.words.next())
            .ok_or_else(|| format!("{} needs a value", self.flag))
    }

    /// The current flag's value as a whole number.
    pub fn number(&mut self) -> Result<u64, String> {
        let flag = self.flag.clone();
        self.value()?
            .trim()
            .parse()
            .map_err(|_| format!("{flag} needs a whole number"))
    }
}

impl Connection {
    /// Takes `flag` if it is a connection flag; returns whether it was.
    pub fn take(&mut self, flag: &str, args: &mut Args) -> Result<bool, String> {
        match flag {
            "--endpoint" => self.endpoint = Some(args.value()?),
            "--region" => self.region = Some(args.value()?),
            "--server-id" => self.server_id = Some(args.value()?),
            "--ca-file" => self.roots = Some(TlsRoots::PemFile(args.value()?.into())),
            "--system-roots" => self.roots = Some(TlsRoots::System),
            "--timeout-ms" => {
                let ms = args.number()?;
                if ms == 0 {
                    return Err("--timeout-ms must be greater than 0".into());
                }
                self.timeout = Some(Duration::from_millis(ms));
            }
            "--proxy" => self.proxy = Some(ProxyChoice::Url(args.value()?)),
            "--proxy-from-env" => self.proxy = Some(ProxyChoice::FromEnv),
            "--retries" => {
                let n = args.number()?;
                let most = u64::from(hwsms::limits::MAX_ATTEMPTS) - 1;
                if n > most {
                    return Err(format!("--retries must be between 0 and {most}, not {n}"));
                }
                self.retries = Some(n as u32);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks that the required flags are there.
    pub fn check(&self) -> Result<(), String> {
        self.check_target()?;
        if self.server_id.is_none() {
            return Err("--server-id is required".into());
        }
        Ok(())
    }

    /// Checks that exactly one of --endpoint and --region is there.
    pub fn check_target(&self) -> Result<(), String> {
        match (&self.endpoint, &self.region) {
            (Some(_), Some(_)) => Err("give --endpoint or --region, not both".into()),
            (None, None) => Err("--endpoint or --region is required".into()),
            _ => Ok(()),
        }
    }

    pub fn server_id(&self) -> &str {
        self.server_id.as_deref().unwrap_or_default()
    }

    /// The `Config` these flags and the environment describe.
    pub fn config(&self) -> Result<Config, Error> {
        let credentials = Credentials::from_env()?;
        let mut builder = match (&self.endpoint, &self.region) {
            (Some(url), _) => Config::builder(url.clone(), credentials),
            (None, Some(region)) => Config::for_region(region.clone(), credentials),
            (None, None) => Config::builder(String::new(), credentials),
        };
        if let Some(roots) = &self.roots {
            builder = builder.tls_roots(roots.clone());
        }
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy.clone());
        }
        if let Some(t) = self.timeout {
            // One deadline for the whole call; connecting may use all of it.
            builder = builder
                .timeout(t)
                .connect_timeout(t.min(Duration::from_secs(10)));
        }
        if let Some(r) = self.retries {
            // --retries counts retries; the library counts attempts.
            builder = builder.max_attempts(r + 1);
        }
        builder.build()
    }
}

/// Prints a usage error (or the help) and returns the exit code.
pub fn usage(message: &str, usage: &str) -> ExitCode {
    if !message.is_empty() {
        eprintln!("error: {message}");
    }
    eprintln!("{usage}");
    eprintln!("(--help for more)");
    ExitCode::from(EXIT_USAGE)
}

/// Says which credentials win when both kinds are set.
pub fn note_credentials() {
    if std::env::var_os("HUAWEICLOUD_SDK_AK").is_some()
        && std::env::var_os("HUAWEICLOUD_SDK_AUTH_TOKEN").is_some()
    {
        eprintln!(
            "note: both AK/SK and HUAWEICLOUD_SDK_AUTH_TOKEN are set; using AK/SK \
             (signatures are fresh per request, tokens expire)"
        );
    }
}

/// One JSON object on one line, keys in the given order (the contract's
/// order, which a JSON map would sort).
pub fn json_line(fields: &[(&str, Value)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// The JSON line for an HTTP answer that was an error.
pub fn api_error_line(
    status: u16,
    code: Option<&str>,
    msg: Option<&str>,
    request_id: Option<&str>,
) -> String {
    json_line(&[
        ("status", status.into()),
        ("error_code", code.into()),
        ("error_msg", msg.into()),
        ("request_id", request_id.into()),
    ])
}

/// Prints the error for a person, then (for HTTP answers) one JSON line for
/// machines, and returns the contract's exit code.
pub fn fail(e: &Error) -> ExitCode {
    ExitCode::from(report_failure(e))
}

/// [`fail`] while a signal may end the process: printed and exited under
/// the one exit lock, so a signal's exit and this one never overlap.
pub fn fail_and_exit(e: &Error) -> ! {
    let _only_one = EXIT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    std::process::exit(i32::from(report_failure(e)))
}

/// Prints `e` (and its JSON line) and gives its exit code.
fn report_failure(e: &Error) -> u8 {
    eprintln!("error: {e}");
    match e {
        Error::Api(a) => {
            let line = api_error_line(a.status(), a.error_code(), a.error_msg(), a.request_id());
            eprintln!("{line}");
            EXIT_API
        }
        Error::Redirect(r) => {
            let msg = match r.location() {
                Some(l) => format!("redirect to {l} not followed"),
                None => "redirect not followed".to_string(),
            };
            eprintln!(
                "{}",
                api_error_line(r.status(), None, Some(&msg), r.request_id())
            );
            EXIT_API
        }
        Error::InvalidServerId(_) | Error::InvalidReport(_) | Error::Config(_) => EXIT_USAGE,
        _ => EXIT_OTHER,
    }
}

/// Only one exit may run: `exit(3)` from two threads at once is undefined
/// behaviour in C, and Rust stops the second caller.
static EXIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `last_words` (e.g. printing the result) and exits with `code`,
/// unless another thread is already exiting: then this one never returns
/// and prints nothing.
pub fn exit_with(code: i32, last_words: impl FnOnce()) -> ! {
    let _only_one = EXIT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    last_words();
    std::process::exit(code)
}

static SIGNAL_EXIT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// The exit code a caught signal asks for (128 + its number), if one came.
pub fn signal_exit_code() -> Option<i32> {
    match SIGNAL_EXIT.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        code => Some(code),
    }
}

/// On SIGTERM or SIGINT: records 128 + the signal number (143, 130), calls
/// `on_signal` (which should make the main thread exit with
/// [`signal_exit_code`]), and exits with that code itself if the main thread
/// has not within 200 ms (e.g. it is in the middle of a request).
#[cfg(unix)]
pub fn exit_on_signal(on_signal: impl Fn() + Send + 'static) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) else {
        eprintln!("warning: cannot watch SIGTERM/SIGINT");
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            SIGNAL_EXIT.store(128 + signal, std::sync::atomic::Ordering::SeqCst);
            on_signal();
            std::thread::sleep(std::time::Duration::from_millis(200));
            exit_with(128 + signal, || {});
        }
    });
}

/// On other systems Ctrl-C ends the process the usual way.
#[cfg(not(unix))]
pub fn exit_on_signal(_on_signal: impl Fn() + Send + 'static) {}
