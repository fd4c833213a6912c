//! `hwsms_report_progress`: how far a task's copy is (UpdateTaskSpeed).

use std::ffi::c_char;

use hwsms_core::agent::{Subtask, TaskProgress, report_progress};

use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::handle::try_ref;
use crate::panic::guard;
use crate::result::hwsms_result;
use crate::strings::arg;

/// Reports a task's progress (`PUT {endpoint}/v3/tasks/{task_id}/progress`),
/// blocking until the answer or the configured timeout. Idempotent: retried
/// like a fetch. Any 2xx answer is success.
///
/// - `subtask`: e.g. `"MIGRATE_LINUX_BLOCK"`, `"SYNC_LINUX_FILE"`,
///   `"CONFIGURE_WINDOWS"` (names SMS adds later are sent as given);
/// - `progress`: percent done, 0-100;
/// - `replicated_bytes`, `total_bytes`: bytes copied so far, and in all;
/// - `trace`: what the agent is doing, for the console, or NULL for none.
///
/// A bad task id or a progress over 100 returns `HWSMS_ERR_INVALID_REQUEST`
/// and sends nothing. On failure, when `error_out` is not NULL, writes an
/// error handle (free it with `hwsms_error_free`).
///
/// Thread safety: many threads may call this at once with the same `config`.
///
/// # Safety
/// `config` is a live config; `task_id` and `subtask` are NUL-terminated;
/// `trace` is NULL or NUL-terminated; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_report_progress(
    config: *const hwsms_config,
    task_id: *const c_char,
    subtask: *const c_char,
    progress: u32,
    replicated_bytes: u64,
    total_bytes: u64,
    trace: *const c_char,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let (task_id, subtask) = unsafe { (arg(task_id)?, arg(subtask)?) };
        let trace = if trace.is_null() {
            ""
        } else {
            // SAFETY: non-NULL and NUL-terminated, per the contract.
            unsafe { arg(trace) }?
        };
        let body = TaskProgress::new(
            Subtask::new(subtask),
            progress,
            replicated_bytes,
            total_bytes,
        )
        .trace(trace);
        match report_progress(&config.inner, task_id, &body) {
            Ok(_) => Ok(()),
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}
