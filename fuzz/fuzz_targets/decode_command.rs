//! `decode_command` on arbitrary bytes. What must hold: it never panics; when
//! it succeeds, serde_json agrees the body is an object with those values, and
//! every borrowed string is a slice of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|body: &[u8]| {
    let Ok(command) = hwsms::decode_command(body) else {
        return;
    };
    // Oracle: serde_json's own reading of the same bytes.
    let value: Value = serde_json::from_slice(body).expect("decoded, so it is JSON");
    let obj = value.as_object().expect("decoded, so it is an object");
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => panic!("decoded a non-string {other}"),
    };
    let name = text(obj.get("command_name")).filter(|n| !n.is_empty());
    assert_eq!(command.name().map(|n| n.as_str()), name);
    let param = match obj.get("command_param") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(p),
        Some(other) => panic!("decoded a non-object command_param {other}"),
    };
    assert_eq!(command.task_id(), param.and_then(|p| text(p.get("task_id"))));
    assert_eq!(command.bucket(), param.and_then(|p| text(p.get("bucket"))));

    if command.is_borrowed() {
        let input = body.as_ptr_range();
        for s in [command.task_id(), command.bucket()].into_iter().flatten() {
            let r = s.as_bytes().as_ptr_range();
            assert!(s.is_empty() || (input.start <= r.start && r.end <= input.end), "borrowed string outside the input");
        }
    }
});
