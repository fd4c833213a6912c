//! `hwsms_diagnose_json`: the self-diagnosis, as the CLI's JSON line.

use std::ffi::{CString, c_char};

use hwsms_core::diagnose;

use crate::config::hwsms_config;
use crate::error::hwsms_error;
use crate::handle::{out_ok, try_ref};
use crate::panic::{guard, guard_or};
use crate::result::hwsms_result;
use crate::strings::{arg, to_c};

/// Walks the path to SMS step by step (config, dns, proxy, tcp, tls, clock,
/// auth, command) and writes the result to `*json_out` as one JSON line, the
/// same as `fetch_command --diagnose` prints:
/// `{"ok":bool,"clock_skew_secs":number|null,"steps":[{"name","status","detail"},...]}`.
/// `server_id` may be NULL: the command step is then skipped. Failed steps
/// are data, not errors: this returns `HWSMS_OK` whenever it wrote the JSON.
/// Free the string with `hwsms_string_free`. The JSON never contains a secret.
///
/// `error_out` is reserved for failures of the call itself (none today
/// besides the argument codes, which come without an error handle).
///
/// # Safety
/// `config` is a live config; `server_id` is NULL or NUL-terminated;
/// `json_out` is writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_diagnose_json(
    config: *const hwsms_config,
    server_id: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    let _ = error_out;
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        out_ok(json_out)?;
        let id = if server_id.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated, per the contract.
            Some(unsafe { arg(server_id) }?)
        };
        let json = to_c(&diagnose(&config.inner, id).to_json());
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { *json_out = json.into_raw() };
        Ok(())
    })
}

/// Frees a string this library returned (from `hwsms_diagnose_json`).
/// `NULL` is allowed and does nothing.
///
/// # Safety
/// `s` is NULL or a string this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_string_free(s: *mut c_char) {
    guard_or((), || {
        if !s.is_null() {
            // SAFETY: the caller hands back a pointer from CString::into_raw, once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}
