//! The agent calls' own parsers on arbitrary bytes: the secret reader
//! (cert/key set, passphrase), ShowConfig's decoder and the generic call's
//! target parser. What must hold: none panics, the secret reader agrees
//! with serde_json on the strings of every object both accept (it skips
//! members it does not read without judging them), and its errors never
//! repeat the input (a body with keys in it).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match hwsms::fuzzing::secret_members(data) {
        // Where serde_json reads the same object, every string member it
        // keeps (the last of a repeated name) is the one read here.
        Ok(members) => {
            if let Ok(serde_json::Value::Object(value)) = serde_json::from_slice(data) {
                for (k, v) in value {
                    if let Some(v) = v.as_str() {
                        let ours = members.iter().rev().find(|m| m.0 == k).map(|m| m.1.as_str());
                        assert_eq!(ours, Some(v), "{k}");
                    }
                }
            }
        }
        Err(e) => assert!(e.len() < 80 && !e.contains('"'), "{e}"),
    }
    let _ = hwsms::fuzzing::sms_settings(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let (method, target) = text.split_once(' ').unwrap_or(("GET", text));
        if let Ok((path, _)) = hwsms::fuzzing::sms_request(method, target) {
            assert!(path.starts_with("/v3/") && !path.contains("/../"), "{path}");
        }
    }
});
