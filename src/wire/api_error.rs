//! Non-2xx answers: the SMS error body, parsed the way the official SDKs do.

use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorDetail};
use crate::limits::ERROR_SNIPPET_LEN;

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

    const SEED_403: &[u8] = include_bytes!("../../tests/data/seed_403.json");

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
        // Parsed alone, the call (and so its IAM action) is unknown.
        assert_eq!(e.iam_action(), None);
        assert!(e.to_string().contains("lack the IAM permission"), "{e}");
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
