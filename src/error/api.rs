//! [`ApiError`]: a non-2xx answer, as the type every caller sees. Parsing
//! the body into it is the wire format's job (`wire::api_error`).

use std::fmt;
use std::time::Duration;

use crate::advice;

/// One entry of a 403 body's `details` array.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDetail {
    pub(crate) error_code: Option<String>,
    pub(crate) error_msg: Option<String>,
}

impl ErrorDetail {
    /// The SMS error code of this detail.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }
    /// The message of this detail.
    pub fn error_msg(&self) -> Option<&str> {
        self.error_msg.as_deref()
    }
}

/// A non-2xx HTTP response from the gateway, SMS, or anything in between.
///
/// `error_code` and `error_msg` are looked up as the official SDKs do:
/// `error_code`+`error_msg`, then `errorCode`+`errorMsg`, then
/// `code`+`message`, then the same keys one object deeper. A body that is not
/// such JSON (an HTML page from a proxy, an empty 500) becomes a bounded,
/// lossy UTF-8 snippet that serves as the message, and the HTTP status serves
/// as the code. Build one from a body with [`ApiError::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    pub(crate) status: u16,
    pub(crate) error_code: Option<String>,
    pub(crate) error_msg: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) encoded_authorization_message: Option<String>,
    pub(crate) error_param: Vec<String>,
    pub(crate) details: Vec<ErrorDetail>,
    pub(crate) body_snippet: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) clock_skew: Option<i64>,
    pub(crate) attempts: u32,
    /// The IAM action of the call that failed, for the advice on a 403.
    pub(crate) action: Option<&'static str>,
}

impl ApiError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The error code (`SMS.9004`, `APIGW.0301`, …), or the status as text for a non-JSON body.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }
    /// The error message, or the body snippet for a non-JSON body.
    pub fn error_msg(&self) -> Option<&str> {
        self.error_msg.as_deref()
    }
    /// The request id: the `X-Request-Id` header, else the body's `request_id`.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The 403 body's `encoded_authorization_message`, to decode with IAM.
    pub fn encoded_authorization_message(&self) -> Option<&str> {
        self.encoded_authorization_message.as_deref()
    }
    /// The 403 body's `error_param` strings.
    pub fn error_param(&self) -> &[String] {
        &self.error_param
    }
    /// The 403 body's `details` entries.
    pub fn details(&self) -> &[ErrorDetail] {
        &self.details
    }
    /// A bounded, lossy UTF-8 snippet of the body, when it was not a JSON error body.
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }
    /// The `Retry-After` the server asked for (already capped).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// For a "signature expired" rejection: how many seconds the gateway's
    /// clock is ahead of this host's (negative when behind).
    pub fn clock_skew_secs(&self) -> Option<i64> {
        self.clock_skew
    }
    /// How many requests were sent before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// The IAM action the failed call needs (`sms:server:getCommand`, …),
    /// when the error came from one of hwsms's calls.
    pub fn iam_action(&self) -> Option<&'static str> {
        self.action
    }

    /// True when the gateway rejected an AK/SK signature because its
    /// `X-Sdk-Date` is too far from the gateway's clock (`APIG.0303`).
    pub fn is_signature_expired(&self) -> bool {
        let msg = self.error_msg.as_deref().unwrap_or("").to_ascii_lowercase();
        let code = self.error_code.as_deref().unwrap_or("");
        matches!(self.status, 401 | 403)
            && (msg.contains("signature expired")
                || (code.ends_with(".0303") && msg.contains("expired")))
    }

    /// True when sending the same request later can succeed: 429, 500, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 500 | 502 | 503 | 504)
    }

    pub(crate) fn set_request_id(&mut self, id: Option<String>) {
        if id.is_some() {
            self.request_id = id;
        }
    }

    /// Applies `f` to every string that came from the server.
    pub(crate) fn map_server_text(&mut self, f: &dyn Fn(&mut String)) {
        let opts = [
            &mut self.error_code,
            &mut self.error_msg,
            &mut self.request_id,
            &mut self.encoded_authorization_message,
            &mut self.body_snippet,
        ];
        opts.into_iter().flatten().for_each(f);
        self.error_param.iter_mut().for_each(f);
        for d in &mut self.details {
            d.error_code
                .iter_mut()
                .chain(d.error_msg.iter_mut())
                .for_each(f);
        }
    }

    /// What the operator should do about it.
    pub(crate) fn advice(&self) -> std::borrow::Cow<'static, str> {
        if self.is_signature_expired() {
            return advice::SIGNATURE_EXPIRED.into();
        }
        let code = self.error_code.as_deref().unwrap_or("");
        advice::for_status(self.status, code, self.action)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SMS API returned HTTP {}", self.status)?;
        // A body without a code gets the status as its code: say it once.
        if let Some(code) = self
            .error_code
            .as_ref()
            .filter(|c| **c != self.status.to_string())
        {
            write!(f, " {code}")?;
        }
        if let Some(msg) = &self.error_msg {
            write!(f, ": {msg}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        write!(f, "; {}", self.advice())?;
        if let Some(skew) = self.clock_skew {
            write!(f, "; {}", advice::skew(skew))?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(status: u16, body: &str) -> ApiError {
        ApiError::parse(status, body.as_bytes())
    }

    #[test]
    fn signature_expired_is_recognised() {
        let e = parsed(
            401,
            r#"{"error_msg":"Incorrect app authentication information: signature expired, signature time:20230527T000431Z,server time:20230527T020608Z","error_code":"APIG.0303"}"#,
        );
        assert!(e.is_signature_expired());
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("fix the host clock"), "{e}");
    }

    #[test]
    fn a_0303_code_needs_expired_in_its_message() {
        let with = |code: &str, msg: &str| {
            parsed(
                401,
                &format!(r#"{{"error_code":"{code}","error_msg":"{msg}"}}"#),
            )
            .is_signature_expired()
        };
        // The .0303 path: the message lacks "signature expired".
        assert!(with("APIG.0303", "Request expired, check the time"));
        assert!(!with(
            "APIG.0303",
            "Incorrect app authentication information"
        ));
        assert!(!with("APIGW.0301", "request expired"));
        assert!(with("APIGW.0301", "Signature Expired"));
        // Only 401 and 403 are signature rejections.
        let e = parsed(
            500,
            r#"{"error_code":"APIG.0303","error_msg":"signature expired"}"#,
        );
        assert!(!e.is_signature_expired());
    }

    #[test]
    fn the_advice_names_the_calls_own_action() {
        let mut e = parsed(403, r#"{"error_code":"SMS.9004","error_msg":"m"}"#);
        assert!(e.to_string().contains("IAM permission"), "{e}");
        e.action = Some(advice::ACTION_UPDATE_COMMAND_RESULT);
        assert_eq!(e.iam_action(), Some("sms:server:updateCommandResult"));
        assert!(
            e.to_string().contains("sms:server:updateCommandResult"),
            "{e}"
        );
    }

    #[test]
    fn display_of_skew_and_attempts() {
        let mut e = parsed(
            401,
            r#"{"error_code":"APIG.0303","error_msg":"signature expired"}"#,
        );
        assert_eq!(e.attempts(), 1);
        assert!(!e.to_string().contains("attempts"), "{e}");
        e.clock_skew = Some(-1260);
        assert!(
            e.to_string()
                .contains("this host's clock is 1260 s ahead of the gateway's"),
            "{e}"
        );
        e.clock_skew = Some(90);
        assert!(
            e.to_string()
                .contains("this host's clock is 90 s behind the gateway's"),
            "{e}"
        );
        e.attempts = 2;
        assert!(e.to_string().ends_with(" (after 2 attempts)"), "{e}");
    }
}
