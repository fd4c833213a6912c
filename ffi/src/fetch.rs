//! `hwsms_fetch_command`: the call itself.

use std::ffi::{CString, c_char};

use hwsms_core::fetch_command;

use crate::command::hwsms_command;
use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::panic::guard;
use crate::result::hwsms_result::{self, *};
use crate::strings::arg;

/// Asks SMS for the next command for `server_id`
/// (`GET {endpoint}/v3/sources/{server_id}/command`), blocking until the
/// answer or the configured timeout, retries included.
///
/// On success writes `*command_out` (free it with `hwsms_command_free`).
/// On failure returns the kind of failure and, when `error_out` is not NULL,
/// writes an error handle (free it with `hwsms_error_free`). NULL arguments
/// and invalid UTF-8 return their codes without an error handle.
///
/// Thread safety: many threads may call this at once with the same `config`.
///
/// # Safety
/// `config` is a live config; `server_id` is NUL-terminated; `command_out`
/// is writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_fetch_command(
    config: *const hwsms_config,
    server_id: *const c_char,
    command_out: *mut *mut hwsms_command,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let Some(config) = (unsafe { config.as_ref() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        if command_out.is_null() {
            return HWSMS_ERR_NULL_ARGUMENT;
        }
        // SAFETY: NULL or NUL-terminated, per the contract.
        let server_id = match unsafe { arg(server_id) } {
            Ok(s) => s,
            Err(code) => return code,
        };
        let result = fetch_command(&config.inner, server_id).and_then(|response| {
            let c = response.command()?;
            Ok(command_handle(
                c.name().map(|n| n.as_str()),
                c.task_id(),
                c.bucket(),
                response.request_id(),
            ))
        });
        match result {
            Ok(Some(command)) => {
                // SAFETY: checked non-NULL; writable per the contract.
                unsafe { *command_out = Box::into_raw(Box::new(command)) };
                HWSMS_OK
            }
            Ok(None) => {
                let e = hwsms_error::other(
                    HWSMS_ERR_DECODE,
                    "a command field contains a NUL character, which a C string cannot carry",
                );
                // SAFETY: error_out is NULL or writable, per the contract.
                unsafe { e.write(error_out) }
            }
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => unsafe { write_error(&e, error_out) },
        }
    })
}

/// The C form of a command; `None` when a field holds a NUL, which a C
/// string cannot carry without silently cutting it short.
fn command_handle(
    name: Option<&str>,
    task_id: Option<&str>,
    bucket: Option<&str>,
    request_id: Option<&str>,
) -> Option<hwsms_command> {
    let c = |s: Option<&str>| s.map(CString::new).transpose().ok();
    Some(hwsms_command {
        name: c(name)?,
        task_id: c(task_id)?,
        bucket: c(bucket)?,
        request_id: c(request_id)?,
    })
}
