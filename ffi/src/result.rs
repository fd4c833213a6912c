//! Result codes: stable numbers, `HWSMS_OK` is 0.

use std::ffi::c_char;

/// What a call returned. The numbers are stable across versions; new codes
/// may be added at the end.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum hwsms_result {
    /// Success.
    HWSMS_OK = 0,
    /// A required pointer argument was NULL.
    HWSMS_ERR_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8.
    HWSMS_ERR_INVALID_UTF8 = 2,
    /// The configuration is invalid (endpoint, region, credentials, CA file,
    /// proxy URL, numbers out of range); see the error handle's message.
    HWSMS_ERR_CONFIG = 3,
    /// The server id was rejected before any I/O (1-255 of `A-Za-z0-9._~-`).
    HWSMS_ERR_INVALID_SERVER_ID = 4,
    /// SMS (or a gateway or proxy) answered with a non-2xx status; the error
    /// handle has the status, code, message and request id.
    HWSMS_ERR_API = 5,
    /// The server answered with a redirect, which is never followed.
    HWSMS_ERR_REDIRECT = 6,
    /// DNS, connection, TLS or proxy failure, or the connection broke.
    HWSMS_ERR_TRANSPORT = 7,
    /// The call did not finish within its timeout.
    HWSMS_ERR_TIMEOUT = 8,
    /// The response body was larger than the cap.
    HWSMS_ERR_BODY_TOO_LARGE = 9,
    /// A 2xx body that is not a ShowCommand object (or holds a NUL character,
    /// which C strings cannot carry).
    HWSMS_ERR_DECODE = 10,
    /// A panic was caught at the API boundary (a bug: please report it).
    HWSMS_ERR_PANIC = 11,
    /// Not a failure: `hwsms_poller_next` returns it after `hwsms_poller_stop`.
    HWSMS_STOPPED = 12,
    /// A result report was refused before any I/O: the result is not
    /// `success` or `fail`, the detail is not a JSON object or is larger
    /// than 1 MiB (1048576 bytes), or the command name is empty or longer
    /// than 255 characters.
    HWSMS_ERR_INVALID_REPORT = 13,
    /// No usable credentials, and nothing was sent to SMS: their source (the
    /// credentials file, IAM, the metadata service, the credentials
    /// callback) failed, or they expired with nothing newer. The error's
    /// message names the source; after IAM refused the password,
    /// `hwsms_error_status` and `hwsms_error_code` give IAM's answer.
    HWSMS_ERR_CREDENTIALS = 14,
    /// An agent call was refused before any I/O: a task id that cannot be
    /// a path segment, a value out of range (progress over 100), a method
    /// or path the generic call does not take (paths start with `/v3/`),
    /// or a body that is not JSON. The error's message names the field.
    HWSMS_ERR_INVALID_REQUEST = 15,
}

/// The name of every code, indexed by its number.
const NAMES: [&str; 16] = [
    "HWSMS_OK\0",
    "HWSMS_ERR_NULL_ARGUMENT\0",
    "HWSMS_ERR_INVALID_UTF8\0",
    "HWSMS_ERR_CONFIG\0",
    "HWSMS_ERR_INVALID_SERVER_ID\0",
    "HWSMS_ERR_API\0",
    "HWSMS_ERR_REDIRECT\0",
    "HWSMS_ERR_TRANSPORT\0",
    "HWSMS_ERR_TIMEOUT\0",
    "HWSMS_ERR_BODY_TOO_LARGE\0",
    "HWSMS_ERR_DECODE\0",
    "HWSMS_ERR_PANIC\0",
    "HWSMS_STOPPED\0",
    "HWSMS_ERR_INVALID_REPORT\0",
    "HWSMS_ERR_CREDENTIALS\0",
    "HWSMS_ERR_INVALID_REQUEST\0",
];

/// The name of a result code as static text, e.g. `"HWSMS_OK"` or
/// `"HWSMS_ERR_API"`; `"HWSMS_UNKNOWN_RESULT"` for a number this library
/// does not know. Never NULL. For codes that come without an error handle
/// (`HWSMS_ERR_NULL_ARGUMENT`, `HWSMS_ERR_INVALID_UTF8`, `HWSMS_ERR_PANIC`)
/// this is the text to print.
///
/// The parameter is a plain number (the C enum converts implicitly), so an
/// unknown value is never undefined behaviour.
///
/// Ownership: the string is static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn hwsms_result_name(result: u32) -> *const c_char {
    let name = NAMES
        .get(result as usize)
        .copied()
        .unwrap_or("HWSMS_UNKNOWN_RESULT\0");
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwsms_result::*;

    #[test]
    fn every_code_has_its_own_name() {
        let all = [
            HWSMS_OK,
            HWSMS_ERR_NULL_ARGUMENT,
            HWSMS_ERR_INVALID_UTF8,
            HWSMS_ERR_CONFIG,
            HWSMS_ERR_INVALID_SERVER_ID,
            HWSMS_ERR_API,
            HWSMS_ERR_REDIRECT,
            HWSMS_ERR_TRANSPORT,
            HWSMS_ERR_TIMEOUT,
            HWSMS_ERR_BODY_TOO_LARGE,
            HWSMS_ERR_DECODE,
            HWSMS_ERR_PANIC,
            HWSMS_STOPPED,
            HWSMS_ERR_INVALID_REPORT,
            HWSMS_ERR_CREDENTIALS,
            HWSMS_ERR_INVALID_REQUEST,
        ];
        for code in all {
            // SAFETY: hwsms_result_name returns a static NUL-terminated string.
            let name = unsafe { std::ffi::CStr::from_ptr(hwsms_result_name(code as u32)) };
            assert_eq!(name.to_str().unwrap(), format!("{code:?}"));
        }
        // SAFETY: as above.
        let unknown = unsafe { std::ffi::CStr::from_ptr(hwsms_result_name(999)) };
        assert_eq!(unknown.to_str().unwrap(), "HWSMS_UNKNOWN_RESULT");
    }
}
