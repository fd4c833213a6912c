//! Non-2xx responses: the SMS error body, parsed the way the official SDKs do.

use std::fmt;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::limits::ERROR_SNIPPET_LEN;

/// One entry of a 403 body's `details` array.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDetail {
    error_code: Option<String>,
    error_msg: Option<String>,
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
/// as the code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    status: u16,
    error_code: Option<String>,
    error_msg: Option<String>,
    request_id: Option<String>,
    encoded_authorization_message: Option<String>,
    error_param: Vec<String>,
    details: Vec<ErrorDetail>,
    body_snippet: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) clock_skew: Option<i64>,
    pub(crate) attempts: u32,
}

impl ApiError {
    /// Parses an error response body; never fails.
    ///
    /// The request id is taken from the body's `request_id` (API gateway
    /// errors carry one); the transport prefers the `X-Request-Id` header.
    pub fn parse(status: u16, body: &[u8]) -> Self {
        let mut err = ApiError {
            status,
            attempts: 1,
            ..Default::default()
        };
        let json = serde_json::from_slice::<Value>(body).ok();
        let found = json
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|obj| err.read_fields(obj));
        if !found {
            // Not an error body we understand: keep what the operator needs to
            // see, and let the status stand in for the code.
            err.error_code = Some(status.to_string());
            let snippet = snippet(body);
            err.error_msg = (!snippet.is_empty()).then(|| snippet.clone());
            err.body_snippet = Some(snippet);
        }
        err
    }

    /// Fills the fields from a JSON object; false when it holds no error code or message.
    fn read_fields(&mut self, obj: &Map<String, Value>) -> bool {
        let Some((code, msg)) = code_and_message(obj).or_else(|| {
            obj.values()
                .filter_map(Value::as_object)
                .find_map(code_and_message)
        }) else {
            return false;
        };
        self.error_code = code;
        self.error_msg = msg;
        self.request_id = obj.get("request_id").and_then(scalar);
        self.encoded_authorization_message =
            obj.get("encoded_authorization_message").and_then(scalar);
        if let Some(Value::Array(params)) = obj.get("error_param") {
            self.error_param = params.iter().filter_map(scalar).collect();
        }
        if let Some(Value::Array(details)) = obj.get("details") {
            self.details = details
                .iter()
                .filter_map(Value::as_object)
                .map(|d| ErrorDetail {
                    error_code: d.get("error_code").and_then(scalar),
                    error_msg: d.get("error_msg").and_then(scalar),
                })
                .collect();
        }
        true
    }

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
    fn advice(&self) -> &'static str {
        let code = self.error_code.as_deref().unwrap_or("");
        if self.is_signature_expired() {
            return "the host clock is too far from the gateway's; fix the clock (NTP)";
        }
        match self.status {
            401 => {
                "check the credentials: the token may have expired, or the AK/SK or their scope is wrong; \
                 not retried, because repeated AK/SK failures lock the key for 5 minutes"
            }
            403 => {
                "the credentials lack permission sms:server:getCommand for this server or project"
            }
            404 if code.starts_with("APIGW.") || code.starts_with("APIG.") => {
                "no such API at this endpoint: check the endpoint or region"
            }
            404 => "check the server id and the endpoint's region",
            400 => {
                "the request was rejected: check the server id and the scope (project or domain id)"
            }
            429 => "throttled by the gateway: wait and retry",
            500..=599 => "server-side failure: retrying later may help",
            _ => "unexpected status for this API",
        }
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
            let (amount, dir) = if skew >= 0 {
                (skew, "behind")
            } else {
                (-skew, "ahead of")
            };
            write!(f, "; this host's clock is {amount} s {dir} the gateway's")?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// The first `code`/`message` pair present in `obj`, in the SDKs' order.
fn code_and_message(obj: &Map<String, Value>) -> Option<(Option<String>, Option<String>)> {
    const PAIRS: [(&str, &str); 3] = [
        ("error_code", "error_msg"),
        ("errorCode", "errorMsg"),
        ("code", "message"),
    ];
    PAIRS.iter().find_map(|(c, m)| {
        let code = obj.get(*c).and_then(scalar);
        let msg = obj.get(*m).and_then(scalar);
        (code.is_some() || msg.is_some()).then_some((code, msg))
    })
}

/// A JSON string, number or boolean as text; other values carry no text.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// At most [`ERROR_SNIPPET_LEN`] bytes of `body` as one line of text (plus
/// " …" when anything was cut).
fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(ERROR_SNIPPET_LEN)];
    let text = String::from_utf8_lossy(head);
    // One line, no control characters: the snippet ends up in logs and on
    // terminals, where raw bytes could forge lines or escape sequences.
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    // Each invalid byte became a 3-byte U+FFFD: cut again to stay in bounds.
    let mut cut = body.len() > ERROR_SNIPPET_LEN;
    if out.len() > ERROR_SNIPPET_LEN {
        let mut end = ERROR_SNIPPET_LEN;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        cut = true;
    }
    if cut {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_403: &[u8] = include_bytes!("../tests/data/seed_403.json");

    #[test]
    fn seed_403_keeps_every_field() {
        let e = ApiError::parse(403, SEED_403);
        assert_eq!(e.status(), 403);
        assert_eq!(e.error_code(), Some("SMS.9004"));
        assert!(e.error_msg().unwrap().starts_with("The current account"));
        assert_eq!(e.encoded_authorization_message(), Some("XXXXXX"));
        assert_eq!(e.error_param().len(), 1);
        assert_eq!(e.details()[0].error_code(), Some("SMS.9004"));
        assert!(e.details()[0].error_msg().unwrap().contains("action XXX"));
        assert_eq!(e.body_snippet(), None);
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("sms:server:getCommand"), "{e}");
    }

    #[test]
    fn sdk_key_order() {
        let e = ApiError::parse(
            400,
            br#"{"code":"C","message":"M","errorCode":"E2","errorMsg":"M2"}"#,
        );
        assert_eq!((e.error_code(), e.error_msg()), (Some("E2"), Some("M2")));
        let e = ApiError::parse(400, br#"{"code":"C","message":"M"}"#);
        assert_eq!((e.error_code(), e.error_msg()), (Some("C"), Some("M")));
        let e = ApiError::parse(
            500,
            br#"{"error":{"code":"APIGW.0101","message":"no api"}}"#,
        );
        assert_eq!(
            (e.error_code(), e.error_msg()),
            (Some("APIGW.0101"), Some("no api"))
        );
        let e = ApiError::parse(
            401,
            br#"{"error_code":401,"error_msg":"x","request_id":"r1"}"#,
        );
        assert_eq!((e.error_code(), e.request_id()), (Some("401"), Some("r1")));
    }

    #[test]
    fn non_json_bodies_become_a_bounded_snippet() {
        let e = ApiError::parse(502, b"<html>\r\n<b>502 Bad\tGateway</b>\n</html>");
        assert_eq!(e.error_code(), Some("502"));
        assert_eq!(e.error_msg(), Some("<html> <b>502 Bad Gateway</b> </html>"));
        assert!(e.is_retryable());
        // The status, standing in for the missing code, is said once.
        let text = e.to_string();
        assert!(
            text.starts_with("SMS API returned HTTP 502: <html>"),
            "{text}"
        );

        let e = ApiError::parse(500, b"");
        assert_eq!((e.error_code(), e.error_msg()), (Some("500"), None));

        let big = vec![b'x'; ERROR_SNIPPET_LEN + 1];
        let e = ApiError::parse(500, &big);
        assert_eq!(
            e.body_snippet().unwrap().len(),
            ERROR_SNIPPET_LEN + " …".len()
        );
        let at = vec![b'y'; ERROR_SNIPPET_LEN];
        assert_eq!(
            ApiError::parse(500, &at).body_snippet().unwrap().len(),
            ERROR_SNIPPET_LEN
        );

        // Found by fuzzing: invalid bytes grow threefold as U+FFFD.
        let e = ApiError::parse(500, &[0xff; ERROR_SNIPPET_LEN]);
        let s = e.body_snippet().unwrap();
        assert!(
            s.len() <= ERROR_SNIPPET_LEN + " …".len() && s.ends_with(" …"),
            "{}",
            s.len()
        );

        let e = ApiError::parse(503, b"\xff\xfeoops {\"error_code\"");
        assert_eq!(e.error_msg(), Some("\u{fffd}\u{fffd}oops {\"error_code\""));
        let e = ApiError::parse(404, br#"{"unrelated":true}"#);
        assert_eq!(e.error_msg(), Some(r#"{"unrelated":true}"#));
    }

    #[test]
    fn signature_expired_is_recognised() {
        let e = ApiError::parse(
            401,
            br#"{"error_msg":"Incorrect app authentication information: signature expired, signature time:20230527T000431Z,server time:20230527T020608Z","error_code":"APIG.0303"}"#,
        );
        assert!(e.is_signature_expired());
        assert!(!e.is_retryable());
    }

    #[test]
    fn a_0303_code_needs_expired_in_its_message() {
        let with = |code: &str, msg: &str| {
            ApiError::parse(
                401,
                format!(r#"{{"error_code":"{code}","error_msg":"{msg}"}}"#).as_bytes(),
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
        let e = ApiError::parse(
            500,
            br#"{"error_code":"APIG.0303","error_msg":"signature expired"}"#,
        );
        assert!(!e.is_signature_expired());
    }

    #[test]
    fn every_status_gets_its_own_advice() {
        let advice = |status: u16, code: &str| {
            let body = format!(r#"{{"error_code":"{code}","error_msg":"m"}}"#);
            ApiError::parse(status, body.as_bytes()).to_string()
        };
        let cases: [(u16, &str, &str); 9] = [
            (401, "APIGW.0301", "check the credentials"),
            (403, "SMS.9004", "sms:server:getCommand"),
            (404, "APIGW.0101", "no such API at this endpoint"),
            (404, "APIG.0101", "no such API at this endpoint"),
            (404, "SMS.0601", "check the server id"),
            (400, "SMS.0001", "the request was rejected"),
            (429, "APIGW.0308", "throttled"),
            (503, "SMS.0500", "server-side failure"),
            (418, "X", "unexpected status"),
        ];
        for (status, code, words) in cases {
            let text = advice(status, code);
            assert!(text.contains(words), "{status} {code}: {text}");
        }
    }

    #[test]
    fn display_of_skew_and_attempts() {
        let mut e = ApiError::parse(
            401,
            br#"{"error_code":"APIG.0303","error_msg":"signature expired"}"#,
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

    #[test]
    fn message_alone_booleans_and_error_params() {
        let e = ApiError::parse(400, br#"{"error_msg":"only a message"}"#);
        assert_eq!(
            (e.error_code(), e.error_msg()),
            (None, Some("only a message"))
        );
        let e = ApiError::parse(400, br#"{"code":true,"message":12}"#);
        assert_eq!((e.error_code(), e.error_msg()), (Some("true"), Some("12")));
        let e = ApiError::parse(
            403,
            br#"{"error_code":"SMS.9004","error_msg":"m","error_param":["a","b"]}"#,
        );
        assert_eq!(e.error_param(), ["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn snippets_fold_white_space_and_control_characters() {
        let e = ApiError::parse(502, b"a\x01b  c\td\r\n e");
        assert_eq!(e.error_msg(), Some("a b c d e"));
    }
}
