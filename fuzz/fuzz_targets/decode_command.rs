//! `decode_command` on arbitrary bytes. What must hold: it never panics;
//! when it succeeds, plain serde_json decoding into owned strings agrees on
//! every value (so each decoded string is the input's text or its correct
//! unescaping), and every borrowed string is a slice of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

/// The oracle: what a user would decode with serde_json alone.
#[derive(Deserialize)]
struct Owned {
    command_name: Option<String>,
    command_param: Option<OwnedParam>,
}

#[derive(Deserialize)]
struct OwnedParam {
    task_id: Option<String>,
    bucket: Option<String>,
}

fuzz_target!(|body: &[u8]| {
    let Ok(command) = hwsms::decode_command(body) else {
        return;
    };
    let oracle: Owned = serde_json::from_slice(body).expect("hwsms decoded what serde_json rejects");
    let name = oracle.command_name.as_deref().filter(|n| !n.is_empty());
    assert_eq!(command.name().map(|n| n.as_str()), name);
    let param = oracle.command_param.as_ref();
    assert_eq!(command.task_id(), param.and_then(|p| p.task_id.as_deref()));
    assert_eq!(command.bucket(), param.and_then(|p| p.bucket.as_deref()));

    if command.is_borrowed() {
        let input = body.as_ptr_range();
        for s in [command.task_id(), command.bucket()].into_iter().flatten() {
            let r = s.as_bytes().as_ptr_range();
            assert!(s.is_empty() || (input.start <= r.start && r.end <= input.end), "borrowed string outside the input");
        }
    }
});
