//! `hwsms_error`: everything a C caller needs to know about a failure.

use std::ffi::{CString, c_char};

use hwsms_core::Error;
use hwsms_core::error::TransportKind;

use crate::handle::free_handle;
use crate::panic::guard_or;
use crate::result::hwsms_result::{self, *};
use crate::strings::{out, to_c};

/// Which step of the exchange failed, for `HWSMS_ERR_TRANSPORT` and
/// `HWSMS_ERR_TIMEOUT`. The numbers are stable; new kinds may be added.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum hwsms_transport_kind {
    /// Not a transport failure.
    HWSMS_TRANSPORT_NONE = 0,
    /// The host name did not resolve.
    HWSMS_TRANSPORT_DNS = 1,
    /// The TCP connection could not be made (refused, unreachable).
    HWSMS_TRANSPORT_CONNECT = 2,
    /// The TLS handshake failed, e.g. the certificate was rejected.
    HWSMS_TRANSPORT_TLS = 3,
    /// The proxy could not be reached, or refused or failed the tunnel.
    HWSMS_TRANSPORT_PROXY = 4,
    /// The call did not finish in time.
    HWSMS_TRANSPORT_TIMEOUT = 5,
    /// The connection broke before the answer was complete.
    HWSMS_TRANSPORT_RESET = 6,
    /// The server did not speak valid HTTP/1.1.
    HWSMS_TRANSPORT_PROTOCOL = 7,
    /// Any other I/O failure.
    HWSMS_TRANSPORT_OTHER = 8,
}

/// A failure, with its kind, HTTP status, SMS error code, messages and
/// request id. Strings never contain a secret.
pub struct hwsms_error {
    kind: hwsms_result,
    status: u16,
    retryable: bool,
    message: CString,
    error_code: Option<CString>,
    error_msg: Option<CString>,
    request_id: Option<CString>,
    encoded_authorization_message: Option<CString>,
    retry_after_ms: i64,
    attempts: u32,
    clock_skew_secs: Option<i64>,
    transport: hwsms_transport_kind,
}

impl hwsms_error {
    pub(crate) fn new(e: &Error) -> Self {
        let kind = match e {
            Error::Api(_) => HWSMS_ERR_API,
            Error::Redirect(_) => HWSMS_ERR_REDIRECT,
            Error::InvalidServerId(_) => HWSMS_ERR_INVALID_SERVER_ID,
            Error::InvalidReport(_) => HWSMS_ERR_INVALID_REPORT,
            Error::InvalidRequest(_) => HWSMS_ERR_INVALID_REQUEST,
            Error::Config(_) => HWSMS_ERR_CONFIG,
            _ if e.is_timeout() => HWSMS_ERR_TIMEOUT,
            Error::Transport(_) => HWSMS_ERR_TRANSPORT,
            Error::BodyTooLarge { .. } => HWSMS_ERR_BODY_TOO_LARGE,
            Error::Decode(_) => HWSMS_ERR_DECODE,
            Error::Credentials(_) => HWSMS_ERR_CREDENTIALS,
            // Error is non-exhaustive; a new kind is reported as transport until mapped.
            _ => HWSMS_ERR_TRANSPORT,
        };
        let api = e.as_api();
        hwsms_error {
            kind,
            status: e.status().unwrap_or(0),
            retryable: e.is_retryable(),
            message: to_c(&e.to_string()),
            error_code: match e {
                Error::Credentials(c) => c.error_code().map(to_c),
                _ => api.and_then(|a| a.error_code()).map(to_c),
            },
            error_msg: match e {
                Error::Credentials(c) => c.error_msg().map(to_c),
                _ => api.and_then(|a| a.error_msg()).map(to_c),
            },
            request_id: e.request_id().map(to_c),
            encoded_authorization_message: api
                .and_then(|a| a.encoded_authorization_message())
                .map(to_c),
            retry_after_ms: api
                .and_then(|a| a.retry_after())
                .map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            attempts: e.attempts().unwrap_or(0),
            clock_skew_secs: api.and_then(|a| a.clock_skew_secs()),
            transport: match e {
                Error::Transport(t) => transport_kind(t.kind()),
                _ => hwsms_transport_kind::HWSMS_TRANSPORT_NONE,
            },
        }
    }
}

impl hwsms_error {
    /// A failure found by the C layer itself.
    pub(crate) fn other(kind: hwsms_result, message: &str) -> Self {
        hwsms_error {
            kind,
            status: 0,
            retryable: false,
            message: to_c(message),
            error_code: None,
            error_msg: None,
            request_id: None,
            encoded_authorization_message: None,
            retry_after_ms: -1,
            attempts: 0,
            clock_skew_secs: None,
            transport: hwsms_transport_kind::HWSMS_TRANSPORT_NONE,
        }
    }

    /// Hands the error to C through `error_out` (when not NULL); returns its kind.
    ///
    /// # Safety
    /// `error_out` is NULL or writable.
    pub(crate) unsafe fn write(self, error_out: *mut *mut hwsms_error) -> hwsms_result {
        let kind = self.kind;
        if !error_out.is_null() {
            // SAFETY: checked non-NULL; writable per the caller's contract.
            unsafe { *error_out = Box::into_raw(Box::new(self)) };
        }
        kind
    }
}

fn transport_kind(kind: TransportKind) -> hwsms_transport_kind {
    use hwsms_transport_kind::*;
    match kind {
        TransportKind::Dns => HWSMS_TRANSPORT_DNS,
        TransportKind::Connect => HWSMS_TRANSPORT_CONNECT,
        TransportKind::Tls => HWSMS_TRANSPORT_TLS,
        TransportKind::Proxy => HWSMS_TRANSPORT_PROXY,
        TransportKind::Timeout => HWSMS_TRANSPORT_TIMEOUT,
        TransportKind::Reset => HWSMS_TRANSPORT_RESET,
        TransportKind::Protocol => HWSMS_TRANSPORT_PROTOCOL,
        // TransportKind is non-exhaustive.
        _ => HWSMS_TRANSPORT_OTHER,
    }
}

/// Writes an error handle for `e` to `*error_out` (when not NULL); returns its kind.
///
/// # Safety
/// `error_out` is NULL or writable.
pub(crate) unsafe fn write_error(e: &Error, error_out: *mut *mut hwsms_error) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { hwsms_error::new(e).write(error_out) }
}

/// Reads a field of the error behind `e`; `fallback` for NULL or a panic.
fn field<T: Copy>(e: *const hwsms_error, fallback: T, f: impl FnOnce(&hwsms_error) -> T) -> T {
    guard_or(fallback, || {
        // SAFETY: the accessors' contract: `e` is NULL or a live error handle.
        unsafe { e.as_ref() }.map_or(fallback, f)
    })
}

/// The kind of failure (never `HWSMS_OK`); `HWSMS_ERR_NULL_ARGUMENT` for NULL.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_kind(error: *const hwsms_error) -> hwsms_result {
    field(error, HWSMS_ERR_NULL_ARGUMENT, |e| e.kind)
}

/// The HTTP status of the response that failed, or 0 when there was none.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_status(error: *const hwsms_error) -> u16 {
    field(error, 0, |e| e.status)
}

/// True when trying again later can help (transport failures, timeouts,
/// 429, 500, 502, 503, 504); false for NULL.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_is_retryable(error: *const hwsms_error) -> bool {
    field(error, false, |e| e.retryable)
}

/// What happened and what to do, for a person (never NULL for a live handle).
///
/// Ownership: the string belongs to the error handle and stays valid until
/// `hwsms_error_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_message(error: *const hwsms_error) -> *const c_char {
    field(error, std::ptr::null(), |e| e.message.as_ptr())
}

/// The SMS or gateway error code (`SMS.9004`, `APIGW.0301`, or the status
/// for a non-JSON body); NULL when the failure was not an API error.
///
/// Ownership: the string belongs to the error handle and stays valid until
/// `hwsms_error_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_code(error: *const hwsms_error) -> *const c_char {
    field(error, std::ptr::null(), |e| out(&e.error_code))
}

/// The SMS or gateway `error_msg` (or a snippet of a non-JSON body); NULL
/// when there is none.
///
/// Ownership: the string belongs to the error handle and stays valid until
/// `hwsms_error_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_api_message(error: *const hwsms_error) -> *const c_char {
    field(error, std::ptr::null(), |e| out(&e.error_msg))
}

/// The `X-Request-Id` of the failed response; NULL when there is none.
///
/// Ownership: the string belongs to the error handle and stays valid until
/// `hwsms_error_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_request_id(error: *const hwsms_error) -> *const c_char {
    field(error, std::ptr::null(), |e| out(&e.request_id))
}

/// The 403's `encoded_authorization_message` (why IAM denied the call,
/// decodable with IAM's DecodeAuthorizationMessage); NULL when there is none.
///
/// Ownership: the string belongs to the error handle and stays valid until
/// `hwsms_error_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_encoded_authorization_message(
    error: *const hwsms_error,
) -> *const c_char {
    field(error, std::ptr::null(), |e| {
        out(&e.encoded_authorization_message)
    })
}

/// The server's `Retry-After`, in milliseconds (capped at 60 s); -1 when it
/// sent none (and for NULL).
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_retry_after_ms(error: *const hwsms_error) -> i64 {
    field(error, -1, |e| e.retry_after_ms)
}

/// How many requests the call sent before failing; 0 when it sent none
/// (invalid input, configuration) and for NULL.
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_attempts(error: *const hwsms_error) -> u32 {
    field(error, 0, |e| e.attempts)
}

/// For a "signature expired" rejection: writes how many seconds the
/// gateway's clock is ahead of this host's (negative: behind) to
/// `*skew_secs_out` and returns true. Returns false, writing nothing, when
/// the error says nothing about the clock (and for NULL).
///
/// # Safety
/// `error` is NULL or a live error handle; `skew_secs_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_clock_skew_secs(
    error: *const hwsms_error,
    skew_secs_out: *mut i64,
) -> bool {
    field(error, false, |e| match e.clock_skew_secs {
        Some(skew) if !skew_secs_out.is_null() => {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { *skew_secs_out = skew };
            true
        }
        _ => false,
    })
}

/// Which step failed, for transport failures and timeouts;
/// `HWSMS_TRANSPORT_NONE` otherwise (and for NULL).
///
/// # Safety
/// `error` is NULL or a live error handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_transport_kind(
    error: *const hwsms_error,
) -> hwsms_transport_kind {
    field(error, hwsms_transport_kind::HWSMS_TRANSPORT_NONE, |e| {
        e.transport
    })
}

/// Frees an error handle. `NULL` is allowed and does nothing.
///
/// # Safety
/// `error` is NULL or a handle this library wrote and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_error_free(error: *mut hwsms_error) {
    // SAFETY: NULL or a handle this library wrote, once.
    guard_or((), || unsafe { free_handle(error) })
}
