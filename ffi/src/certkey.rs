//! `hwsms_fetch_cert_key`: a task's certificates and keys, held in memory
//! that is wiped when the set is freed.

use std::ffi::c_char;

use hwsms_core::agent::{CertKey, fetch_cert_key};
use zeroize::Zeroizing;

use crate::config::hwsms_config;
use crate::error::{hwsms_error, write_error};
use crate::handle::{free_handle, hand_out, out_ok, try_ref};
use crate::panic::{guard, guard_or};
use crate::result::hwsms_result;
use crate::strings::arg;

/// A field of the cert/key set. The numbers are stable.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum hwsms_cert_key_field {
    /// `cert`: the source's certificate.
    HWSMS_CERT_KEY_CERT = 0,
    /// `private_key`: the source's private key.
    HWSMS_CERT_KEY_PRIVATE_KEY = 1,
    /// `ca`: the CA certificate (only when asked for).
    HWSMS_CERT_KEY_CA = 2,
    /// `target_mgmt_cert`.
    HWSMS_CERT_KEY_TARGET_MGMT_CERT = 3,
    /// `target_mgmt_private_key`.
    HWSMS_CERT_KEY_TARGET_MGMT_PRIVATE_KEY = 4,
    /// `target_data_cert`.
    HWSMS_CERT_KEY_TARGET_DATA_CERT = 5,
    /// `target_data_private_key`.
    HWSMS_CERT_KEY_TARGET_DATA_PRIVATE_KEY = 6,
}

/// A task's certificates and keys, as PEM C strings. Freed (and wiped)
/// with `hwsms_cert_key_free`.
pub struct hwsms_cert_key {
    /// Each field NUL-terminated, in `hwsms_cert_key_field` order; wiped
    /// when dropped.
    fields: Vec<Zeroizing<Vec<u8>>>,
}

impl hwsms_cert_key {
    /// The C form of `set`; `None` when a field holds a NUL.
    fn new(set: &CertKey) -> Option<Self> {
        let mut fields = Vec::with_capacity(CertKey::FIELDS.len());
        for (_, pem, _) in set.fields() {
            if pem.contains('\0') {
                return None;
            }
            let mut c = Zeroizing::new(Vec::with_capacity(pem.len() + 1));
            c.extend_from_slice(pem.as_bytes());
            c.push(0);
            fields.push(c);
        }
        Some(hwsms_cert_key { fields })
    }
}

/// Fetches a task's certificates and keys
/// (`GET {endpoint}/v3/tasks/{task_id}/certkey?enable_ca_cert=…`), blocking
/// until the answer or the configured timeout. `with_ca` asks for the CA
/// certificate too.
///
/// On success writes `*cert_key_out`; read it with `hwsms_cert_key_get` and
/// free it with `hwsms_cert_key_free`, which wipes the keys from memory.
/// The answer's body is wiped inside the library once decoded. On failure,
/// when `error_out` is not NULL, writes an error handle; its messages never
/// contain key material.
///
/// Thread safety: many threads may call this at once with the same `config`.
///
/// # Safety
/// `config` is a live config; `task_id` is NUL-terminated; `cert_key_out`
/// is writable; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_fetch_cert_key(
    config: *const hwsms_config,
    task_id: *const c_char,
    with_ca: bool,
    cert_key_out: *mut *mut hwsms_cert_key,
    error_out: *mut *mut hwsms_error,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live config.
        let config = unsafe { try_ref(config) }?;
        out_ok(cert_key_out)?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let task_id = unsafe { arg(task_id) }?;
        match fetch_cert_key(&config.inner, task_id, with_ca) {
            Ok(set) => match hwsms_cert_key::new(&set) {
                // SAFETY: cert_key_out checked non-NULL and writable.
                Some(handle) => unsafe { hand_out(cert_key_out, handle) },
                None => {
                    let e = hwsms_error::other(
                        hwsms_result::HWSMS_ERR_DECODE,
                        "a certificate or key contains a NUL character, which a C string cannot carry",
                    );
                    // SAFETY: error_out is NULL or writable, per the contract.
                    Err(unsafe { e.write(error_out) })
                }
            },
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => Err(unsafe { write_error(&e, error_out) }),
        }
    })
}

/// One field of the set as PEM text; `""` when SMS sent none. NULL for a
/// NULL handle or a number that is no `hwsms_cert_key_field` (a plain
/// number, so an unknown value is never undefined behaviour).
///
/// Ownership: the string belongs to the set and stays valid until
/// `hwsms_cert_key_free`; do not free it, and do not keep copies of keys
/// longer than needed.
///
/// # Safety
/// `cert_key` is NULL or a live cert/key handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_cert_key_get(
    cert_key: *const hwsms_cert_key,
    field: u32,
) -> *const c_char {
    guard_or(std::ptr::null(), || {
        // SAFETY: NULL or a live handle, per the contract.
        let Some(set) = (unsafe { cert_key.as_ref() }) else {
            return std::ptr::null();
        };
        set.fields
            .get(field as usize)
            .map_or(std::ptr::null(), |f| f.as_ptr().cast())
    })
}

/// Wipes and frees a cert/key set. `NULL` is allowed and does nothing.
///
/// # Safety
/// `cert_key` is NULL or a handle this library wrote and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_cert_key_free(cert_key: *mut hwsms_cert_key) {
    // SAFETY: NULL or a handle this library wrote, once.
    guard_or((), || unsafe { free_handle(cert_key) })
}
