//! The error-body parser on arbitrary bytes and status. What must hold: it
//! never panics, the snippet is bounded and on one line, and a plain SMS
//! error body is read exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, &[u8])| {
    let (status, body) = input;
    let e = hwsms::ApiError::parse(status, body);
    assert_eq!(e.status(), status);
    if let Some(snippet) = e.body_snippet() {
        assert!(snippet.len() <= hwsms::limits::ERROR_SNIPPET_LEN + " …".len());
        assert!(!snippet.contains(['\n', '\r']), "snippet spans lines");
        assert_eq!(e.error_code(), Some(status.to_string().as_str()));
    }
    // Display and retry classification never panic either.
    let _ = e.to_string();
    let _ = e.is_retryable();
    if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(body) {
        if let (Some(serde_json::Value::String(code)), Some(serde_json::Value::String(msg))) =
            (obj.get("error_code"), obj.get("error_msg"))
        {
            assert_eq!(e.error_code(), Some(code.as_str()));
            assert_eq!(e.error_msg(), Some(msg.as_str()));
        }
    }
});
