//! `report_command_result`: tells SMS how a command went
//! (`POST /v3/sources/{server_id}/command_result`, "UpdateCommandResult").

use std::fmt;
use std::str::FromStr;

use crate::classify::Expect;
use crate::config::Config;
use crate::error::Error;
use crate::limits::{COMMAND_NAME_MAX_CHARS, RESULT_DETAIL_MAX_LEN};
use crate::pipeline;
use crate::send::{Call, Method};
use crate::server_id::ServerId;

/// How a command ended: the report's `result` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandOutcome {
    /// `"success"`.
    Success,
    /// `"fail"`.
    Fail,
}

impl CommandOutcome {
    /// The wire value: `success` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandOutcome::Success => "success",
            CommandOutcome::Fail => "fail",
        }
    }
}

impl fmt::Display for CommandOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CommandOutcome {
    type Err = InvalidReport;

    /// Accepts exactly `success` or `fail`, the only values SMS knows.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "success" => Ok(CommandOutcome::Success),
            "fail" => Ok(CommandOutcome::Fail),
            _ => Err(InvalidReport::Outcome),
        }
    }
}

/// Why a result report was rejected before any I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidReport {
    /// The command name is empty.
    EmptyCommandName,
    /// The command name is longer than 255 characters.
    CommandNameTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The result is neither `success` nor `fail`.
    Outcome,
    /// The detail is not valid JSON.
    DetailNotJson {
        /// serde_json's description, with line and column.
        message: String,
    },
    /// The detail is valid JSON but not an object.
    DetailNotObject {
        /// What it is instead: `an array`, `a string`, …
        found: &'static str,
    },
    /// The detail is larger than [`RESULT_DETAIL_MAX_LEN`] bytes.
    DetailTooLarge {
        /// Its length in bytes.
        len: usize,
    },
}

impl fmt::Display for InvalidReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidReport::EmptyCommandName => f.write_str("the command name is empty"),
            InvalidReport::CommandNameTooLong { chars } => write!(
                f,
                "the command name has {chars} characters; at most {COMMAND_NAME_MAX_CHARS} are allowed"
            ),
            InvalidReport::Outcome => f.write_str("the result must be `success` or `fail`"),
            InvalidReport::DetailNotJson { message } => {
                write!(f, "the result detail is not valid JSON: {message}")
            }
            InvalidReport::DetailNotObject { found } => write!(
                f,
                "the result detail must be a JSON object (`{{}}` when there is nothing to say), not {found}"
            ),
            InvalidReport::DetailTooLarge { len } => write!(
                f,
                "the result detail is {len} bytes; at most {RESULT_DETAIL_MAX_LEN} are allowed"
            ),
        }
    }
}

impl std::error::Error for InvalidReport {}

/// A report SMS accepted (any 2xx answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportReceipt {
    status: u16,
    request_id: Option<String>,
    attempts: u32,
}

impl ReportReceipt {
    /// The HTTP status (2xx; SMS answers 200, older deployments 204).
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `X-Request-Id` response header, whatever its letter case.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// How many requests the call sent (1 unless it retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// Reports how a command ended: `POST {endpoint}/v3/sources/{server_id}/command_result`
/// with `{"command_name", "result", "result_detail"}`.
///
/// `result_detail` is the text of a JSON object, stored by SMS as is; pass
/// `"{}"` when there is nothing to say. Everything else is shared with
/// [`fetch_command`](crate::fetch_command): the same `Config`, credentials
/// (AK/SK signs the body's hash), proxy, TLS, body cap, deadline, clock-skew
/// recovery and retries (reporting the same result again only overwrites
/// it). Any 2xx answer is success, whatever its body.
///
/// # Errors
///
/// [`Error::InvalidServerId`] and [`Error::InvalidReport`] before any I/O;
/// otherwise the same errors as [`fetch_command`](crate::fetch_command),
/// except [`Error::Decode`].
///
/// ```no_run
/// use hwsms::{CommandOutcome, Config, report_command_result};
///
/// let config = Config::from_env()?;
/// let receipt = report_command_result(
///     &config,
///     "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f",
///     "START",
///     CommandOutcome::Success,
///     r#"{"progress": 100}"#,
/// )?;
/// println!("reported (HTTP {})", receipt.status());
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn report_command_result(
    config: &Config,
    server_id: &str,
    command_name: &str,
    outcome: CommandOutcome,
    result_detail: &str,
) -> Result<ReportReceipt, Error> {
    let id = ServerId::parse(server_id)?;
    let body = report_body(command_name, outcome, result_detail)?;
    let path = id.command_result_path();
    let call = Call {
        method: Method::Post,
        path: &path,
        body: Some(body.as_bytes()),
    };
    let done = pipeline::run(config, &call, Expect::AnyBody)?;
    Ok(ReportReceipt {
        status: done.answer.status,
        request_id: done.answer.request_id,
        attempts: done.attempts,
    })
}

/// Validates a report and writes its JSON body. The detail is embedded as
/// given (after checking it is one JSON object), so SMS stores exactly the
/// caller's text.
pub(crate) fn report_body(
    command_name: &str,
    outcome: CommandOutcome,
    result_detail: &str,
) -> Result<String, InvalidReport> {
    let chars = command_name.chars().count();
    if chars == 0 {
        return Err(InvalidReport::EmptyCommandName);
    }
    if chars > COMMAND_NAME_MAX_CHARS {
        return Err(InvalidReport::CommandNameTooLong { chars });
    }
    if result_detail.len() > RESULT_DETAIL_MAX_LEN {
        return Err(InvalidReport::DetailTooLarge {
            len: result_detail.len(),
        });
    }
    let detail: serde_json::Value =
        serde_json::from_str(result_detail).map_err(|e| InvalidReport::DetailNotJson {
            message: e.to_string(),
        })?;
    let found = match detail {
        serde_json::Value::Object(_) => None,
        serde_json::Value::Array(_) => Some("an array"),
        serde_json::Value::String(_) => Some("a string"),
        serde_json::Value::Number(_) => Some("a number"),
        serde_json::Value::Bool(_) => Some("a boolean"),
        serde_json::Value::Null => Some("null"),
    };
    if let Some(found) = found {
        return Err(InvalidReport::DetailNotObject { found });
    }
    let name = serde_json::to_string(command_name).map_err(|e| InvalidReport::DetailNotJson {
        message: e.to_string(),
    })?;
    Ok(format!(
        r#"{{"command_name":{name},"result":"{outcome}","result_detail":{}}}"#,
        result_detail.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_matches_the_signing_vector() {
        let body = report_body("START", CommandOutcome::Success, r#"{"k":"v"}"#).unwrap();
        assert_eq!(
            body,
            r#"{"command_name":"START","result":"success","result_detail":{"k":"v"}}"#
        );
        let body = report_body("a\"b", CommandOutcome::Fail, " {} \n").unwrap();
        assert_eq!(
            body,
            r#"{"command_name":"a\"b","result":"fail","result_detail":{}}"#
        );
    }

    #[test]
    fn bad_reports_are_rejected() {
        let ok = CommandOutcome::Success;
        assert_eq!(
            report_body("", ok, "{}"),
            Err(InvalidReport::EmptyCommandName)
        );
        let long = "é".repeat(256);
        assert_eq!(
            report_body(&long, ok, "{}"),
            Err(InvalidReport::CommandNameTooLong { chars: 256 })
        );
        assert!(report_body(&"é".repeat(255), ok, "{}").is_ok());
        for (detail, found) in [
            ("[]", "an array"),
            ("\"x\"", "a string"),
            ("1", "a number"),
            ("true", "a boolean"),
            ("null", "null"),
        ] {
            let e = report_body("START", ok, detail).unwrap_err();
            assert_eq!(e, InvalidReport::DetailNotObject { found });
            assert!(e.to_string().contains(found), "{e}");
        }
        for detail in ["", "{", "{} {}", "{\"a\":}"] {
            assert!(
                matches!(
                    report_body("START", ok, detail),
                    Err(InvalidReport::DetailNotJson { .. })
                ),
                "{detail:?}"
            );
        }
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(RESULT_DETAIL_MAX_LEN));
        assert!(matches!(
            report_body("START", ok, &big),
            Err(InvalidReport::DetailTooLarge { .. })
        ));
        assert_eq!(
            "succes".parse::<CommandOutcome>(),
            Err(InvalidReport::Outcome)
        );
        assert_eq!(
            "Success".parse::<CommandOutcome>(),
            Err(InvalidReport::Outcome)
        );
        assert_eq!("fail".parse(), Ok(CommandOutcome::Fail));
        assert_eq!("success".parse(), Ok(CommandOutcome::Success));
    }

    #[test]
    fn a_detail_of_exactly_one_mebibyte_is_accepted() {
        let ok = CommandOutcome::Success;
        // `{"a":"…"}` is 8 bytes around the padding.
        let detail = |len: usize| format!("{{\"a\":\"{}\"}}", "x".repeat(len - 8));
        let at = detail(1_048_576);
        assert_eq!(at.len(), 1_048_576);
        assert!(report_body("START", ok, &at).is_ok());
        assert_eq!(
            report_body("START", ok, &detail(1_048_577)),
            Err(InvalidReport::DetailTooLarge { len: 1_048_577 })
        );
    }
}
