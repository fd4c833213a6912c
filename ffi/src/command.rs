//! `hwsms_command`: a decoded ShowCommand answer, as C strings.

use std::ffi::{CString, c_char};

use hwsms_core::CommandName;

use crate::error::hwsms_error;
use crate::handle::{free_handle, hand_out};
use crate::panic::guard_or;
use crate::result::hwsms_result;
use crate::strings::out;

/// The command, as a number to `switch` on. The numbers are stable; names
/// SMS adds later arrive as `HWSMS_COMMAND_OTHER` (read the name then).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum hwsms_command_type {
    /// Nothing to do (no command name).
    HWSMS_COMMAND_NONE = 0,
    /// `START`: start (or resume) the migration task.
    HWSMS_COMMAND_START = 1,
    /// `STOP`: stop the running task.
    HWSMS_COMMAND_STOP = 2,
    /// `DELETE`: the task was deleted.
    HWSMS_COMMAND_DELETE = 3,
    /// `SYNC`: run an incremental synchronisation.
    HWSMS_COMMAND_SYNC = 4,
    /// `SKIP`: skip the current step.
    HWSMS_COMMAND_SKIP = 5,
    /// `PREMIGRATE`: run the pre-migration checks.
    HWSMS_COMMAND_PREMIGRATE = 6,
    /// `TASK_NOT_STARTED`.
    HWSMS_COMMAND_TASK_NOT_STARTED = 7,
    /// `TASK_HAS_STOPPED`.
    HWSMS_COMMAND_TASK_HAS_STOPPED = 8,
    /// `TASK_HAS_FINISHED`.
    HWSMS_COMMAND_TASK_HAS_FINISHED = 9,
    /// `UPLOAD_LOG`: upload the agent's logs.
    HWSMS_COMMAND_UPLOAD_LOG = 10,
    /// `RSET_LOG_ACL`: reset the log bucket's ACL (spelled so by the API).
    HWSMS_COMMAND_RSET_LOG_ACL = 11,
    /// A name this library does not know; `hwsms_command_name` gives it.
    HWSMS_COMMAND_OTHER = 12,
}

impl hwsms_command_type {
    fn of(name: Option<&str>) -> Self {
        use hwsms_command_type::*;
        match name.map(CommandName::parse) {
            None => HWSMS_COMMAND_NONE,
            Some(CommandName::Start) => HWSMS_COMMAND_START,
            Some(CommandName::Stop) => HWSMS_COMMAND_STOP,
            Some(CommandName::Delete) => HWSMS_COMMAND_DELETE,
            Some(CommandName::Sync) => HWSMS_COMMAND_SYNC,
            Some(CommandName::Skip) => HWSMS_COMMAND_SKIP,
            Some(CommandName::Premigrate) => HWSMS_COMMAND_PREMIGRATE,
            Some(CommandName::TaskNotStarted) => HWSMS_COMMAND_TASK_NOT_STARTED,
            Some(CommandName::TaskHasStopped) => HWSMS_COMMAND_TASK_HAS_STOPPED,
            Some(CommandName::TaskHasFinished) => HWSMS_COMMAND_TASK_HAS_FINISHED,
            Some(CommandName::UploadLog) => HWSMS_COMMAND_UPLOAD_LOG,
            Some(CommandName::RsetLogAcl) => HWSMS_COMMAND_RSET_LOG_ACL,
            Some(_) => HWSMS_COMMAND_OTHER,
        }
    }
}

/// The command SMS sent. Its strings stay valid until `hwsms_command_free`.
pub struct hwsms_command {
    pub(crate) kind: hwsms_command_type,
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

/// The command as a `hwsms_command_type`; `HWSMS_COMMAND_NONE` when there
/// is nothing to do (and for NULL).
///
/// # Safety
/// `command` is NULL or a live command handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_command_kind(command: *const hwsms_command) -> hwsms_command_type {
    guard_or(hwsms_command_type::HWSMS_COMMAND_NONE, || {
        // SAFETY: NULL or a live handle, per the contract.
        unsafe { command.as_ref() }.map_or(hwsms_command_type::HWSMS_COMMAND_NONE, |c| c.kind)
    })
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
    // SAFETY: NULL or a handle this library wrote, once.
    guard_or((), || unsafe { free_handle(command) })
}

/// The C form of a command; `None` when a field holds a NUL, which a C
/// string cannot carry without silently cutting it short.
pub(crate) fn command_handle(
    command: &hwsms_core::Command<'_>,
    request_id: Option<&str>,
) -> Option<hwsms_command> {
    let c = |s: Option<&str>| s.map(CString::new).transpose().ok();
    let name = command.name().map(|n| n.as_str());
    Some(hwsms_command {
        kind: hwsms_command_type::of(name),
        name: c(name)?,
        task_id: c(command.task_id())?,
        bucket: c(command.bucket())?,
        request_id: c(request_id)?,
    })
}

/// Hands a command to C through `command_out`, or reports the NUL problem.
///
/// # Safety
/// `command_out` is writable; `error_out` is NULL or writable.
pub(crate) unsafe fn write_command(
    command: &hwsms_core::Command<'_>,
    request_id: Option<&str>,
    command_out: *mut *mut hwsms_command,
    error_out: *mut *mut hwsms_error,
) -> Result<(), hwsms_result> {
    match command_handle(command, request_id) {
        // SAFETY: writable per the contract.
        Some(handle) => unsafe { hand_out(command_out, handle) },
        None => {
            let e = hwsms_error::other(
                hwsms_result::HWSMS_ERR_DECODE,
                "a command field contains a NUL character, which a C string cannot carry",
            );
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(unsafe { e.write(error_out) })
        }
    }
}
