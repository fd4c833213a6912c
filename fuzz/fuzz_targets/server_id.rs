//! Server-id validation and the request path built from an accepted id. What
//! must hold: an accepted id yields a path with exactly one id segment, made
//! only of unreserved characters, that no dot-segment can climb out of.
#![no_main]

use libfuzzer_sys::fuzz_target;

// `cargo fuzz` builds with `--cfg fuzzing`, which opens `hwsms::fuzzing`.
fuzz_target!(|id: &str| {
    let Ok(path) = hwsms::fuzzing::command_path(id) else {
        return;
    };
    assert!(!id.is_empty() && id.len() <= hwsms::limits::SERVER_ID_MAX_LEN);
    assert!(id != "." && id != "..");
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)));
    let segments: Vec<&str> = path.split('/').collect();
    assert_eq!(segments, ["", "v3", "sources", id, "command"]);
});
