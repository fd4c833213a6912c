//! Result codes: stable numbers, `HWSMS_OK` is 0.

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
}
