//! `hwsms_config`: a built configuration, immutable and shareable between
//! threads.

use hwsms_core::Config;

use crate::config_builder::hwsms_config_builder;
use crate::error::{hwsms_error, write_error};
use crate::handle::{free_handle, hand_out, out_ok, try_ref};
use crate::panic::guard;
use crate::result::hwsms_result;

/// A built configuration: endpoint, credentials, TLS setup and the
/// connection pool. Immutable; one `hwsms_config` may be used by many
/// threads at once, and should be, so connections are reused.
pub struct hwsms_config {
    pub(crate) inner: Config,
}

/// Builds a configuration from the builder (which stays usable).
///
/// On success writes `*config_out`, which the caller frees with
/// `hwsms_config_free`. On failure returns `HWSMS_ERR_CONFIG` and, when
/// `error_out` is not NULL, writes an error handle the caller frees with
/// `hwsms_error_free`.
///
/// # Safety
/// `builder` is a live builder; `config_out` is writable; `error_out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_build(
    builder: *const hwsms_config_builder,
    config_out: *mut *mut hwsms_config,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live builder.
        let b = unsafe { try_ref(builder) }?;
        out_ok(config_out)?;
        match b.config.clone().build() {
            // SAFETY: config_out is writable, per the contract.
            Ok(inner) => unsafe { hand_out(config_out, hwsms_config { inner }) },
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}

/// Makes a new handle on the same configuration: the same connection pool,
/// TLS session cache and learned clock skew. Each handle is freed on its own
/// with `hwsms_config_free`; the last free releases everything. Give each
/// thread its own handle: freeing one handle while other threads use theirs
/// is safe.
///
/// On success writes `*config_out`.
///
/// # Safety
/// `config` is NULL or a live config; `config_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_clone(
    config: *const hwsms_config,
    config_out: *mut *mut hwsms_config,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        let copy = hwsms_config {
            inner: config.inner.clone(),
        };
        // SAFETY: config_out is NULL or writable, per the contract.
        unsafe { hand_out(config_out, copy) }
    })
}

/// Frees a configuration handle. `NULL` is allowed and does nothing. No
/// call may be running on this handle; calls on other handles of the same
/// configuration (see `hwsms_config_clone`) are unaffected.
///
/// # Safety
/// `config` is NULL or came from `hwsms_config_builder_build` or
/// `hwsms_config_clone`, and was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_free(config: *mut hwsms_config) {
    let _ = guard(|| {
        // SAFETY: NULL or a config this library handed out, once.
        unsafe { free_handle(config) };
        Ok(())
    });
}
