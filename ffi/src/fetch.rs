//! `hwsms_fetch_command`: the call itself.

use std::ffi::c_char;

use hwsms_core::fetch_command;

use crate::command::{hwsms_command, write_command};
use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::handle::{out_ok, try_ref};
use crate::panic::guard;
use crate::result::hwsms_result;
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
        let config = unsafe { try_ref(config) }?;
        out_ok(command_out)?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let server_id = unsafe { arg(server_id) }?;
        match fetch_command(&config.inner, server_id).and_then(|response| {
            let command = response.command()?.into_owned();
            Ok((command, response.request_id().map(str::to_string)))
        }) {
            // SAFETY: command_out checked non-NULL; error_out NULL or writable.
            Ok((command, rid)) => unsafe {
                write_command(&command, rid.as_deref(), command_out, error_out)
            },
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}
