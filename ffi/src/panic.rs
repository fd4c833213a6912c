//! The panic boundary: no unwinding ever crosses into C, and a caught panic
//! prints nothing on the host's stderr (the result code reports it).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use crate::result::hwsms_result;

thread_local! {
    /// True while this thread runs inside a guard.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once per process, a panic hook that stays silent for panics a
/// guard catches and hands every other panic to the hook before it (the
/// host's, when the host is Rust too).
fn quiet_inside_guards() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f` with the guard's marks set, catching a panic.
fn caught<T>(f: impl FnOnce() -> T) -> Option<T> {
    quiet_inside_guards();
    let outer = GUARDED.with(|g| g.replace(true));
    // AssertUnwindSafe: after a panic the only thing C sees is the result
    // code; no half-updated handle is returned (outputs are written last).
    let result = catch_unwind(AssertUnwindSafe(f)).ok();
    GUARDED.with(|g| g.set(outer));
    result
}

/// Runs `f`, turning `Ok` into `HWSMS_OK`, an `Err` into its code and a
/// panic into `HWSMS_ERR_PANIC`.
pub(crate) fn guard(f: impl FnOnce() -> Result<(), hwsms_result>) -> hwsms_result {
    match caught(f) {
        Some(Ok(())) => hwsms_result::HWSMS_OK,
        Some(Err(code)) => code,
        None => hwsms_result::HWSMS_ERR_PANIC,
    }
}

/// Runs `f`, turning a panic into `fallback`.
pub(crate) fn guard_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    caught(f).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_is_a_result_code_and_the_marks_are_restored() {
        assert_eq!(guard(|| panic!("inside")), hwsms_result::HWSMS_ERR_PANIC);
        assert!(
            !GUARDED.with(Cell::get),
            "the mark is cleared after a panic"
        );
        assert_eq!(guard(|| Ok(())), hwsms_result::HWSMS_OK);
        assert_eq!(guard_or(7, || panic!("inside")), 7);
        // Nested guards restore the outer mark.
        let inner = guard(|| {
            assert_eq!(
                guard(|| Err(hwsms_result::HWSMS_ERR_CONFIG)),
                hwsms_result::HWSMS_ERR_CONFIG
            );
            assert!(GUARDED.with(Cell::get));
            Ok(())
        });
        assert_eq!(inner, hwsms_result::HWSMS_OK);
    }

    #[test]
    fn a_caught_panic_prints_nothing_and_others_still_do() {
        // The child: without output capture, a printing hook would write to
        // its stderr.
        if std::env::var_os("HWSMS_PANIC_CHILD").is_some() {
            assert_eq!(
                guard(|| panic!("silent-marker")),
                hwsms_result::HWSMS_ERR_PANIC
            );
            let outside = std::thread::spawn(|| panic!("loud-marker"));
            assert!(outside.join().is_err());
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "panic::tests::a_caught_panic_prints_nothing_and_others_still_do",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env("HWSMS_PANIC_CHILD", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("silent-marker"), "{stderr}");
        assert!(stderr.contains("loud-marker"), "{stderr}");
    }
}
