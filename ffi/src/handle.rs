//! Handles across the C boundary, after rustls-ffi's helpers: borrow a
//! handle or report NULL, hand a new one out, take one back to free it.

use crate::result::hwsms_result;

/// Borrows the handle behind `p`; NULL is `HWSMS_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `p` is NULL or points to a live `T` that nothing mutates for `'a`.
pub(crate) unsafe fn try_ref<'a, T>(p: *const T) -> Result<&'a T, hwsms_result> {
    // SAFETY: the caller's contract.
    unsafe { p.as_ref() }.ok_or(hwsms_result::HWSMS_ERR_NULL_ARGUMENT)
}

/// Borrows the handle behind `p` mutably; NULL is `HWSMS_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `p` is NULL or points to a live `T` that nothing else uses for `'a`.
pub(crate) unsafe fn try_mut<'a, T>(p: *mut T) -> Result<&'a mut T, hwsms_result> {
    // SAFETY: the caller's contract.
    unsafe { p.as_mut() }.ok_or(hwsms_result::HWSMS_ERR_NULL_ARGUMENT)
}

/// Checks an output parameter before any work is done for it.
pub(crate) fn out_ok<T>(out: *mut *mut T) -> Result<(), hwsms_result> {
    if out.is_null() {
        Err(hwsms_result::HWSMS_ERR_NULL_ARGUMENT)
    } else {
        Ok(())
    }
}

/// Hands `value` to C as a new handle through `out` (checked non-NULL).
///
/// # Safety
/// `out` is NULL or writable.
pub(crate) unsafe fn hand_out<T>(out: *mut *mut T, value: T) -> Result<(), hwsms_result> {
    out_ok(out)?;
    // SAFETY: checked non-NULL; writable per the caller's contract.
    unsafe { *out = Box::into_raw(Box::new(value)) };
    Ok(())
}

/// Takes back a handle made by [`hand_out`] and drops it; NULL does nothing.
///
/// # Safety
/// `p` is NULL or a handle of type `T` from [`hand_out`], not freed before.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: the caller hands back a pointer from Box::into_raw, once.
        drop(unsafe { Box::from_raw(p) });
    }
}
