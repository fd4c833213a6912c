//! `hwsms_poller`: the poll loop for C agents, with the Rust poller's rules
//! (jittered interval, backoff, Retry-After, the pause after 401/403).

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use hwsms_core::poll::PollScheduleBuilder;
use hwsms_core::{PollSchedule, Polled, Poller, PollerHandle};

use crate::command::{hwsms_command, write_command};
use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::handle::{free_handle, hand_out, out_ok, try_ref};
use crate::panic::{guard, guard_or};
use crate::result::hwsms_result::{self, *};
use crate::strings::arg;

/// Polls SMS for one server's commands. `hwsms_poller_next` blocks; any
/// thread (or a signal handler) may call `hwsms_poller_stop` meanwhile.
pub struct hwsms_poller {
    /// Shared with `hwsms_poller_stop`, which never takes the lock below.
    handle: PollerHandle,
    poller: Mutex<Poller>,
    /// The schedule as set so far, one setting at a time; the core's
    /// builder decides defaults and what is valid.
    schedule: Mutex<PollScheduleBuilder>,
}

/// Creates a poller for `server_id` on `config` (which it shares: the
/// config handle may be freed afterwards). Defaults: a 15 s interval
/// (jittered), backoff capped at 5 minutes, a 5-minute pause after 401/403.
///
/// On success writes `*poller_out` (free it with `hwsms_poller_free`).
/// Returns `HWSMS_ERR_INVALID_SERVER_ID` for a bad id.
///
/// # Safety
/// `config` is a live config; `server_id` is NULL or NUL-terminated;
/// `poller_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_new(
    config: *const hwsms_config,
    server_id: *const c_char,
    poller_out: *mut *mut hwsms_poller,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        out_ok(poller_out)?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let server_id = unsafe { arg(server_id) }?;
        let poller =
            Poller::new(&config.inner, server_id).map_err(|_| HWSMS_ERR_INVALID_SERVER_ID)?;
        let made = hwsms_poller {
            handle: poller.handle(),
            poller: Mutex::new(poller),
            schedule: Mutex::new(PollSchedule::builder()),
        };
        // SAFETY: poller_out is writable, per the contract.
        unsafe { hand_out(poller_out, made) }
    })
}

/// Applies one setting with `f` and hands the schedule the core's builder
/// makes of all settings so far to the poller; an invalid one changes nothing.
///
/// # Safety
/// `poller` is NULL or a live poller.
unsafe fn reschedule(
    poller: *const hwsms_poller,
    f: impl FnOnce(PollScheduleBuilder) -> PollScheduleBuilder,
) -> hwsms_result {
    guard(|| {
        // SAFETY: NULL or a live poller, per the contract.
        let p = unsafe { try_ref(poller) }?;
        let mut settings = p.schedule.lock().unwrap_or_else(PoisonError::into_inner);
        let wanted = f(*settings);
        let schedule = wanted.build().map_err(|_| HWSMS_ERR_CONFIG)?;
        // Through the handle: a running hwsms_poller_next keeps its lock,
        // and its next wait follows the new schedule.
        p.handle.set_schedule(schedule);
        *settings = wanted;
        Ok(())
    })
}

/// Sets the time between polls, in milliseconds (jittered by ±20%). 0 is
/// `HWSMS_ERR_CONFIG`. Unless a backoff cap was set, the cap is the larger
/// of 5 minutes and the interval; an interval above a cap that was set is
/// `HWSMS_ERR_CONFIG` (as in Rust's `PollSchedule::builder`), and so is any
/// value beyond a day. It may be called from another thread while
/// `hwsms_poller_next` runs (never from a signal handler: it takes a short
/// lock); the next wait follows the new value. An invalid value changes
/// nothing.
///
/// # Safety
/// `poller` is NULL or a live poller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_set_interval_ms(
    poller: *mut hwsms_poller,
    ms: u32,
) -> hwsms_result {
    let d = Duration::from_millis(ms.into());
    // SAFETY: forwarded from this function's contract.
    unsafe { reschedule(poller, |s| s.interval(d)) }
}

/// Sets the longest wait after failures in a row, in milliseconds (default
/// 300000); it must be at least the interval and at most a day, else
/// `HWSMS_ERR_CONFIG`. Like `hwsms_poller_set_interval_ms`, it may be called
/// while `hwsms_poller_next` runs, and an invalid value changes nothing.
///
/// # Safety
/// `poller` is NULL or a live poller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_set_backoff_cap_ms(
    poller: *mut hwsms_poller,
    ms: u32,
) -> hwsms_result {
    let d = Duration::from_millis(ms.into());
    // SAFETY: forwarded from this function's contract.
    unsafe { reschedule(poller, |s| s.backoff_cap(d)) }
}

/// Sets the shortest wait after a 401 or 403 before the next request, in
/// milliseconds (default 300000: the gateway locks an AK/SK for 5 minutes
/// after repeated authentication failures); at most a day, else
/// `HWSMS_ERR_CONFIG`. Like `hwsms_poller_set_interval_ms`, it may be
/// called while `hwsms_poller_next` runs.
///
/// # Safety
/// `poller` is NULL or a live poller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_set_auth_pause_ms(
    poller: *mut hwsms_poller,
    ms: u32,
) -> hwsms_result {
    let d = Duration::from_millis(ms.into());
    // SAFETY: forwarded from this function's contract.
    unsafe { reschedule(poller, |s| s.auth_pause(d)) }
}

/// Blocks until a command arrives (`HWSMS_OK`, writing `*command_out`, to
/// be freed with `hwsms_command_free`), the poller is stopped
/// (`HWSMS_STOPPED`, writing nothing), or a failure that retrying cannot
/// fix (401, 403, 404, a bad body: its code, and an error handle in
/// `*error_out` when not NULL). "Nothing to do" answers and retryable
/// failures are never returned: the poller backs off and keeps polling.
/// After a 401 or 403, the next call sends nothing before the auth pause
/// has passed.
///
/// # Safety
/// `poller` is a live poller, used by one `hwsms_poller_next` at a time;
/// `command_out` is writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_next(
    poller: *mut hwsms_poller,
    command_out: *mut *mut hwsms_command,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // A shared reference: hwsms_poller_stop may read `handle` meanwhile.
        // SAFETY: NULL or a live poller, per the contract.
        let p = unsafe { try_ref(poller.cast_const()) }?;
        out_ok(command_out)?;
        let mut poller = p.poller.lock().unwrap_or_else(PoisonError::into_inner);
        match poller.next() {
            // SAFETY: command_out checked non-NULL; error_out NULL or writable.
            Ok(Polled::Command(c)) => unsafe { write_command(&c, None, command_out, error_out) },
            Ok(Polled::Stopped) => Err(HWSMS_STOPPED),
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}

/// Stops the poller: a waiting `hwsms_poller_next` returns `HWSMS_STOPPED`
/// at once (well within 100 ms); one in the middle of a request returns it
/// when the request ends (at most the config's timeout later), even when
/// the answer carried a command: an agent that is shutting down is not
/// handed work. Every later `hwsms_poller_next` returns `HWSMS_STOPPED` at
/// once.
///
/// Safe from any thread and from a signal handler (async-signal-safe: an
/// atomic store and one non-blocking `write(2)`; no lock, no allocation).
/// NULL does nothing.
///
/// # Safety
/// `poller` is NULL or a live poller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_stop(poller: *const hwsms_poller) {
    guard_or((), || {
        // SAFETY: NULL or a live poller, per the contract.
        if let Some(p) = unsafe { poller.as_ref() } {
            p.handle.stop();
        }
    })
}

/// Frees a poller. `NULL` is allowed and does nothing. No other call may be
/// running on it (stop it and let `hwsms_poller_next` return first).
///
/// # Safety
/// `poller` is NULL or came from `hwsms_poller_new` and was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_poller_free(poller: *mut hwsms_poller) {
    // SAFETY: NULL or a poller from hwsms_poller_new, once.
    guard_or((), || unsafe { free_handle(poller) })
}
