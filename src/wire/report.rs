//! The result report's body (`POST …/command_result`): its `result` field
//! and the checks every report passes before it is sent.

use std::fmt;
use std::str::FromStr;

use crate::error::InvalidReport;
use crate::limits::{COMMAND_NAME_MAX_CHARS, RESULT_DETAIL_MAX_LEN};

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
