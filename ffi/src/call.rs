//! `hwsms_call`: any SMS v3 API, and `hwsms_response`, its 2xx answer.

use std::ffi::{CString, c_char};

use hwsms_core::Error;
use hwsms_core::agent::{SmsRequest, call};

use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::handle::{free_handle, hand_out, out_ok, try_ref};
use crate::panic::{guard, guard_or};
use crate::result::hwsms_result;
use crate::strings::{arg, out};

/// A 2xx answer to `hwsms_call`. Its strings stay valid until
/// `hwsms_response_free`.
pub struct hwsms_response {
    status: u16,
    /// The body with a NUL after it, so C can read it as a string too.
    body: Vec<u8>,
    request_id: Option<CString>,
}

/// Calls any SMS v3 API on the same signing, clock, retries, connections,
/// credentials and errors as `hwsms_fetch_command`, blocking until the
/// answer or the configured timeout.
///
/// - `method`: `"GET"`, `"POST"`, `"PUT"`, `"DELETE"` or `"PATCH"`;
/// - `path`: starts with `/v3/`, with an optional `?query` (its `%XX`
///   escapes are decoded, then encoded again as signed), e.g.
///   `"/v3/sources?limit=10"`;
/// - `body_json`: the JSON body, or NULL for none (never with GET).
///
/// GET, PUT and DELETE are retried like a fetch; POST and PATCH only when
/// the request cannot have reached SMS.
///
/// On a 2xx writes `*response_out` (free it with `hwsms_response_free`).
/// A non-2xx answer is `HWSMS_ERR_API`, with the status, SMS error code,
/// message and request id on the error handle, and no response. A bad
/// method, path or body is `HWSMS_ERR_INVALID_REQUEST`, and nothing is sent.
///
/// Thread safety: many threads may call this at once with the same `config`.
///
/// # Safety
/// `config` is a live config; `method` and `path` are NUL-terminated;
/// `body_json` is NULL or NUL-terminated; `response_out` is writable;
/// `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_call(
    config: *const hwsms_config,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    response_out: *mut *mut hwsms_response,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        out_ok(response_out)?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let (method, path) = unsafe { (arg(method)?, arg(path)?) };
        let body = if body_json.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated, per the contract.
            Some(unsafe { arg(body_json) }?)
        };
        let answer = SmsRequest::parse(method, path)
            .and_then(|r| match body {
                Some(json) => r.json_body(json),
                None => Ok(r),
            })
            .map_err(Error::from)
            .and_then(|request| call(&config.inner, &request));
        match answer {
            Ok(answer) => {
                let mut body = Vec::with_capacity(answer.body().len() + 1);
                body.extend_from_slice(answer.body());
                body.push(0);
                let response = hwsms_response {
                    status: answer.status(),
                    body,
                    request_id: answer.request_id().and_then(|r| CString::new(r).ok()),
                };
                // SAFETY: response_out checked non-NULL and writable.
                unsafe { hand_out(response_out, response) }
            }
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}

/// The HTTP status of the answer (2xx); 0 for NULL.
///
/// # Safety
/// `response` is NULL or a live response handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_response_status(response: *const hwsms_response) -> u16 {
    // SAFETY: NULL or a live handle, per the contract.
    guard_or(0, || unsafe { response.as_ref() }.map_or(0, |r| r.status))
}

/// The answer's body, followed by a NUL (so it reads as a C string when it
/// holds none itself; an empty body is `""`). When `len_out` is not NULL,
/// writes the body's length in bytes, without the NUL. NULL for a NULL
/// handle.
///
/// Ownership: the bytes belong to the response and stay valid until
/// `hwsms_response_free`; do not free them.
///
/// # Safety
/// `response` is NULL or a live response handle; `len_out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_response_body(
    response: *const hwsms_response,
    len_out: *mut usize,
) -> *const c_char {
    guard_or(std::ptr::null(), || {
        // SAFETY: NULL or a live handle, per the contract.
        let Some(r) = (unsafe { response.as_ref() }) else {
            return std::ptr::null();
        };
        if !len_out.is_null() {
            // SAFETY: non-NULL and writable, per the contract.
            unsafe { *len_out = r.body.len() - 1 };
        }
        r.body.as_ptr().cast()
    })
}

/// The answer's `X-Request-Id`, or NULL when absent (or for NULL).
///
/// Ownership: the string belongs to the response and stays valid until
/// `hwsms_response_free`; do not free it.
///
/// # Safety
/// `response` is NULL or a live response handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_response_request_id(
    response: *const hwsms_response,
) -> *const c_char {
    guard_or(std::ptr::null(), || {
        // SAFETY: NULL or a live handle, per the contract.
        unsafe { response.as_ref() }.map_or(std::ptr::null(), |r| out(&r.request_id))
    })
}

/// Frees a response. `NULL` is allowed and does nothing.
///
/// # Safety
/// `response` is NULL or a handle this library wrote and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_response_free(response: *mut hwsms_response) {
    // SAFETY: NULL or a handle this library wrote, once.
    guard_or((), || unsafe { free_handle(response) })
}
