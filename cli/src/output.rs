//! What the commands print and how they exit: the JSON lines, the exit
//! codes of the contract (README, "Command line"), and one exit at a time
//! when a signal may end the process.

use std::process::ExitCode;

use hwsms::Error;
use hwsms::error::CredentialsErrorKind;
use serde_json::Value;

/// The exit codes of the contract.
pub const EXIT_OTHER: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_API: u8 = 3;

/// Prints a usage error (or the help) and returns the exit code.
pub fn usage(message: &str, usage: &str) -> ExitCode {
    if !message.is_empty() {
        eprintln!("error: {message}");
    }
    eprintln!("{usage}");
    eprintln!("(--help for more)");
    ExitCode::from(EXIT_USAGE)
}

/// What a command's words gave: its options, or the exit after `--help`
/// (the help on stdout, 0) or a usage error (2).
pub fn parsed<T>(
    words: Result<Option<T>, String>,
    help: impl FnOnce() -> String,
    usage_text: &str,
) -> Result<T, ExitCode> {
    match words {
        Ok(Some(options)) => Ok(options),
        Ok(None) => {
            println!("{}", help());
            Err(ExitCode::SUCCESS)
        }
        Err(msg) => Err(usage(&msg, usage_text)),
    }
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

/// Prints `e` (and its JSON line) and gives its exit code.
pub fn report_failure(e: &Error) -> u8 {
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
        // IAM (or the metadata service) answered with a refusal: an API
        // error like SMS's own.
        Error::Credentials(c) if c.kind() == CredentialsErrorKind::Refused => {
            let line = api_error_line(
                c.status().unwrap_or_default(),
                c.error_code(),
                c.error_msg(),
                c.request_id(),
            );
            eprintln!("{line}");
            EXIT_API
        }
        // Could not reach the authority: like a network failure.
        Error::Credentials(c) if c.kind() == CredentialsErrorKind::Unreachable => EXIT_OTHER,
        // Expired, or an unusable credentials file: the configuration.
        Error::Credentials(_) => EXIT_USAGE,
        Error::InvalidServerId(_)
        | Error::InvalidReport(_)
        | Error::InvalidRequest(_)
        | Error::Config(_) => EXIT_USAGE,
        _ => EXIT_OTHER,
    }
}
