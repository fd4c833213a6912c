//! What the credential authorities and the credentials file say, on
//! arbitrary bytes: the profile parser, RFC 3339 times, IAM's token answer
//! and the metadata service's keys. What must hold: none panics, errors
//! stay short (they never repeat the input: a file's values are secrets),
//! and a time read from text formats back to the same second.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = hwsms::fuzzing::profile(text) {
            // Messages name a line and a known key, never the file's text
            // (its values are secrets): short, whatever the input.
            assert!(e.len() < 160, "{e}");
        }
        if let Some(t) = hwsms::fuzzing::rfc3339(text) {
            let again = hwsms::fuzzing::format_rfc3339(t);
            assert_eq!(hwsms::fuzzing::rfc3339(&again), Some(t), "{again}");
        }
    }
    let _ = hwsms::fuzzing::iam_token_expiry(data);
    if let Err(e) = hwsms::fuzzing::metadata_key_expiry(data) {
        assert!(e.len() < 200, "{e}");
    }
});
