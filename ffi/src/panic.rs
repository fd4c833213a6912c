//! The panic boundary: no unwinding ever crosses into C.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::result::hwsms_result;

/// Runs `f`, turning `Ok` into `HWSMS_OK`, an `Err` into its code and a
/// panic into `HWSMS_ERR_PANIC`.
///
/// `AssertUnwindSafe`: after a panic the only thing C sees is the result
/// code; no half-updated handle is returned (outputs are written last).
pub(crate) fn guard(f: impl FnOnce() -> Result<(), hwsms_result>) -> hwsms_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => hwsms_result::HWSMS_OK,
        Ok(Err(code)) => code,
        Err(_) => hwsms_result::HWSMS_ERR_PANIC,
    }
}

/// Runs `f`, turning a panic into `fallback`.
pub(crate) fn guard_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}
