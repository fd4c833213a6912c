//! C strings in and out.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use crate::result::hwsms_result;

/// Borrows a NUL-terminated UTF-8 argument.
///
/// # Safety
/// `s` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn arg<'a>(s: *const c_char) -> Result<&'a str, hwsms_result> {
    if s.is_null() {
        return Err(hwsms_result::HWSMS_ERR_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(s) };
    c.to_str().map_err(|_| hwsms_result::HWSMS_ERR_INVALID_UTF8)
}

/// A Rust string as a C string; a NUL inside (never in valid SMS data)
/// becomes U+FFFD so the text is not silently cut short.
pub(crate) fn to_c(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{fffd}")).unwrap_or_default()
}

/// The pointer to hand out for an optional string (NULL for none).
pub(crate) fn out(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}
