//! `hwsms_report_command_result`: telling SMS how a command went.

use std::ffi::c_char;

use hwsms_core::{CommandOutcome, Error, report_command_result};

use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::handle::try_ref;
use crate::panic::guard;
use crate::result::hwsms_result;
use crate::strings::arg;

/// Reports how a command ended
/// (`POST {endpoint}/v3/sources/{server_id}/command_result`), blocking until
/// the answer or the configured timeout, retries included. Any 2xx answer
/// is success.
///
/// - `command_name`: the command being reported, e.g. `"START"` (1-255
///   characters);
/// - `result`: `"success"` or `"fail"`;
/// - `result_detail_json`: the text of a JSON object stored with the result,
///   or NULL for `{}`.
///
/// A bad `result`, a detail that is not a JSON object or is larger than
/// 1 MiB, or an empty or over-long command name returns
/// `HWSMS_ERR_INVALID_REPORT` and sends nothing. On failure, when `error_out` is not NULL, writes an error handle
/// (free it with `hwsms_error_free`). NULL arguments (other than the detail)
/// and invalid UTF-8 return their codes without an error handle.
///
/// Thread safety: many threads may call this at once with the same `config`.
///
/// # Safety
/// `config` is a live config; the strings are NULL or NUL-terminated;
/// `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_report_command_result(
    config: *const hwsms_config,
    server_id: *const c_char,
    command_name: *const c_char,
    result: *const c_char,
    result_detail_json: *const c_char,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let (server_id, command_name, result) =
            unsafe { (arg(server_id)?, arg(command_name)?, arg(result)?) };
        let detail = if result_detail_json.is_null() {
            "{}"
        } else {
            // SAFETY: non-NULL and NUL-terminated, per the contract.
            unsafe { arg(result_detail_json) }?
        };
        let sent = result
            .parse::<CommandOutcome>()
            .map_err(Error::from)
            .and_then(|outcome| {
                report_command_result(&config.inner, server_id, command_name, outcome, detail)
            });
        match sent {
            Ok(_) => Ok(()),
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}
