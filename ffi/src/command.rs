//! `hwsms_command`: a decoded ShowCommand answer, as C strings.

use std::ffi::{CString, c_char};

use crate::panic::guard_or;
use crate::strings::out;

/// The command SMS sent. Its strings stay valid until `hwsms_command_free`.
pub struct hwsms_command {
    pub(crate) name: Option<CString>,
    pub(crate) task_id: Option<CString>,
    pub(crate) bucket: Option<CString>,
    pub(crate) request_id: Option<CString>,
}

/// Reads a string of the command behind `c`; NULL for a NULL handle.
fn string(
    c: *const hwsms_command,
    f: impl FnOnce(&hwsms_command) -> &Option<CString>,
) -> *const c_char {
    guard_or(std::ptr::null(), || {
        // SAFETY: the accessors' contract: NULL or a live handle.
        unsafe { c.as_ref() }.map_or(std::ptr::null(), |c| out(f(c)))
    })
}

/// The command name (`START`, `STOP`, `SYNC`, … or any other name SMS
/// sends), or NULL when there is nothing to do.
///
/// Ownership: the string belongs to the command handle and stays valid until
/// `hwsms_command_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `command` is NULL or a live command handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_command_name(command: *const hwsms_command) -> *const c_char {
    string(command, |c| &c.name)
}

/// `command_param.task_id`, or NULL when absent.
///
/// Ownership: the string belongs to the command handle and stays valid until
/// `hwsms_command_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `command` is NULL or a live command handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_command_task_id(command: *const hwsms_command) -> *const c_char {
    string(command, |c| &c.task_id)
}

/// `command_param.bucket`, or NULL when absent.
///
/// Ownership: the string belongs to the command handle and stays valid until
/// `hwsms_command_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `command` is NULL or a live command handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_command_bucket(command: *const hwsms_command) -> *const c_char {
    string(command, |c| &c.bucket)
}

/// The `X-Request-Id` of the response, or NULL when absent.
///
/// Ownership: the string belongs to the command handle and stays valid until
/// `hwsms_command_free`; do not free it. NULL for a NULL handle.
///
/// # Safety
/// `command` is NULL or a live command handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_command_request_id(command: *const hwsms_command) -> *const c_char {
    string(command, |c| &c.request_id)
}

/// Frees a command handle. `NULL` is allowed and does nothing.
///
/// # Safety
/// `command` is NULL or a handle this library wrote and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_command_free(command: *mut hwsms_command) {
    guard_or((), || {
        if !command.is_null() {
            // SAFETY: the caller hands back a pointer from Box::into_raw, once.
            drop(unsafe { Box::from_raw(command) });
        }
    })
}
