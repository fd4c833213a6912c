//! Server-id validation and the request path built from an accepted id. What
//! must hold: an accepted id yields a path with exactly one id segment, made
//! only of unreserved characters, that no dot-segment can climb out of.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|id: &str| {
    let Ok(parsed) = hwsms::ServerId::parse(id) else {
        return;
    };
    assert_eq!(parsed.as_str(), id);
    assert!(!id.is_empty() && id.len() <= hwsms::limits::SERVER_ID_MAX_LEN);
    assert!(id != "." && id != "..");
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)));
    let path = parsed.command_path();
    let segments: Vec<&str> = path.split('/').collect();
    assert_eq!(segments, ["", "v3", "sources", id, "command"]);
});
