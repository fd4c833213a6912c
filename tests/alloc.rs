//! Decoding the seed body must not touch the heap. A counting global
//! allocator proves it; the count is per thread so the test harness's own
//! threads do not disturb it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (ALLOCATIONS.with(Cell::get) - before, out)
}

const SEED_200: &[u8] = include_bytes!("data/seed_200.json");

#[test]
fn seed_body_decodes_with_zero_allocations() {
    // Warm up anything lazily initialised, then measure.
    let _ = hwsms::decode_command(SEED_200).unwrap();
    let (n, name) = allocations_during(|| {
        let c = hwsms::decode_command(SEED_200).unwrap();
        (
            c.name() == Some(hwsms::CommandName::Start),
            c.task_id().map(str::len),
        )
    });
    assert_eq!(name, (true, Some(32)));
    assert_eq!(n, 0, "decoding the seed body allocated {n} times");

    // Pretty-printed, with a bucket and flat unknown fields (the general
    // path): still zero. (Nested unknown values may allocate: serde_json
    // keeps a stack while skipping them.)
    let (n, _) = allocations_during(|| {
        let c = hwsms::decode_command(
            br#"{ "command_name" : "SYNC", "extra": 1.5e3, "flag": true,
                 "command_param" : { "task_id" : "t", "bucket" : "b", "x": "y", "z": null } }"#,
        )
        .unwrap();
        assert_eq!(c.bucket(), Some("b"));
    });
    assert_eq!(n, 0, "decoding a body without escapes allocated {n} times");
}

#[test]
fn the_counter_does_count() {
    // Guards the test above against a counter that never moves.
    let (n, v) = allocations_during(|| {
        hwsms::decode_command(br#"{"command_name":"ST\u0041RT"}"#)
            .unwrap()
            .into_owned()
    });
    assert_eq!(v.name().map(|n| n.as_str()), Some("START"));
    assert!(n >= 1, "an escaped string must allocate, counted {n}");
}
