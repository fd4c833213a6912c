//! Ending the process when a signal may end it too: one exit at a time.

use hwsms::Error;

use crate::output::report_failure;

/// Only one exit may run: `exit(3)` from two threads at once is undefined
/// behaviour in C, and Rust stops the second caller.
static EXIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// [`output::fail`](crate::output::fail) while a signal may end the process: printed and exited under
/// the one exit lock, so a signal's exit and this one never overlap.
pub fn fail_and_exit(e: &Error) -> ! {
    let _only_one = EXIT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    std::process::exit(i32::from(report_failure(e)))
}

/// Runs `last_words` (e.g. printing the result) and exits with `code`,
/// unless another thread is already exiting: then this one never returns
/// and prints nothing.
pub fn exit_with(code: i32, last_words: impl FnOnce()) -> ! {
    let _only_one = EXIT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    last_words();
    std::process::exit(code)
}

static SIGNAL_EXIT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// The exit code a caught signal asks for (128 + its number), if one came.
pub fn signal_exit_code() -> Option<i32> {
    match SIGNAL_EXIT.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        code => Some(code),
    }
}

/// On SIGTERM or SIGINT: records 128 + the signal number (143, 130), calls
/// `on_signal` (which should make the main thread exit with
/// [`signal_exit_code`]), and exits with that code itself if the main thread
/// has not within 200 ms (e.g. it is in the middle of a request).
#[cfg(unix)]
pub fn exit_on_signal(on_signal: impl Fn() + Send + 'static) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) else {
        eprintln!("warning: cannot watch SIGTERM/SIGINT");
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            SIGNAL_EXIT.store(128 + signal, std::sync::atomic::Ordering::SeqCst);
            on_signal();
            std::thread::sleep(std::time::Duration::from_millis(200));
            exit_with(128 + signal, || {});
        }
    });
}

/// On other systems Ctrl-C ends the process the usual way.
#[cfg(not(unix))]
pub fn exit_on_signal(_on_signal: impl Fn() + Send + 'static) {}
