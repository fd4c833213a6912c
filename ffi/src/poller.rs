//! `hwsms_poller`: the poll loop for C agents, with the Rust poller's rules
//! (jittered interval, backoff, Retry-After, the pause after 401/403).

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use hwsms_core::{PollSchedule, Polled, Poller, PollerHandle};

use crate::command::{hwsms_command, write_command};
use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::panic::{guard, guard_or};
use crate::result::hwsms_result::{self, *};
use crate::strings::arg;

/// Polls SMS for one server's commands. `hwsms_poller_next` blocks; any
/// thread (or a signal handler) may call `hwsms_poller_stop` meanwhile.
pub struct hwsms_poller {
    /// Shared with `hwsms_poller_stop`, which never takes the lock below.
    handle: PollerHandle,
    poller: Mutex<Poller>,
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
        let Some(config) = (unsafe { config.as_ref() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        if poller_out.is_null() {
            return HWSMS_ERR_NULL_ARGUMENT;
        }
        // SAFETY: NULL or NUL-terminated, per the contract.
        let server_id = match unsafe { arg(server_id) } {
            Ok(s) => s,
            Err(code) => return code,
        };
        let poller = match Poller::new(&config.inner, server_id) {
            Ok(p) => p,
            Err(_) => return HWSMS_ERR_INVALID_SERVER_ID,
        };
        let handle = poller.handle();
        let boxed = Box::into_raw(Box::new(hwsms_poller {
            handle,
            poller: Mutex::new(poller),
        }));
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { *poller_out = boxed };
        HWSMS_OK
    })
}

/// Changes the poller's schedule with `f`.
///
/// # Safety
/// `poller` is NULL or a live poller.
unsafe fn reschedule(
    poller: *const hwsms_poller,
    f: impl FnOnce(PollSchedule) -> PollSchedule,
) -> hwsms_result {
    guard(|| {
        // SAFETY: NULL or a live poller, per the contract.
        let Some(p) = (unsafe { poller.as_ref() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        let mut poller = p.poller.lock().unwrap_or_else(PoisonError::into_inner);
        let schedule = f(poller.schedule());
        match poller.set_schedule(schedule) {
            Ok(()) => HWSMS_OK,
            Err(_) => HWSMS_ERR_CONFIG,
        }
    })
}

/// Sets the time between polls, in milliseconds (jittered by ±20%). 0 is
/// `HWSMS_ERR_CONFIG`; an interval above the backoff cap raises the cap.
/// Call it before `hwsms_poller_next` (it waits for a running one).
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
    unsafe {
        reschedule(poller, |s| {
            s.interval(d).backoff_cap(s.max_backoff().max(d))
        })
    }
}

/// Sets the longest wait after failures in a row, in milliseconds (default
/// 300000); it must be at least the interval, else `HWSMS_ERR_CONFIG`.
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
/// after repeated authentication failures).
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
        let Some(p) = (unsafe { poller.cast_const().as_ref() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        if command_out.is_null() {
            return HWSMS_ERR_NULL_ARGUMENT;
        }
        let mut poller = p.poller.lock().unwrap_or_else(PoisonError::into_inner);
        match poller.next() {
            // SAFETY: command_out checked non-NULL; error_out NULL or writable.
            Ok(Polled::Command(c)) => unsafe { write_command(&c, None, command_out, error_out) },
            Ok(Polled::Stopped) => HWSMS_STOPPED,
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => unsafe { write_error(&e, error_out) },
        }
    })
}

/// Stops the poller: a waiting `hwsms_poller_next` returns `HWSMS_STOPPED`
/// at once (well within 100 ms); one in the middle of a request returns it
/// when the request ends (at most the config's timeout later). Every later
/// `hwsms_poller_next` returns `HWSMS_STOPPED` at once.
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
    guard_or((), || {
        if !poller.is_null() {
            // SAFETY: the caller hands back a pointer from Box::into_raw, once.
            drop(unsafe { Box::from_raw(poller) });
        }
    })
}
