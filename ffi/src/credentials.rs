//! Credential sources from C: a credentials file, and a callback the
//! application supplies (with a user pointer), asked again before the
//! credentials it gave expire. The renewal rule is the core's.

use std::ffi::{c_char, c_int, c_void};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, UNIX_EPOCH};

use hwsms_core::auth::{CredentialSource, Lease};
use hwsms_core::{AkSk, Credentials};

use crate::config_builder::{edit, hwsms_config_builder, set_str};
use crate::handle::try_mut;
use crate::panic::guard;
use crate::result::hwsms_result::{self, *};
use crate::strings::arg;

/// Reads the credentials from a file in the official SDKs' profile format
/// (a `[basic]` section: `ak`, `sk`, `security_token`, `project_id`,
/// `domain_id`, or `auth_token`; and `expires_at`, RFC 3339 UTC), and again
/// before the first call after a rotator replaces it. A file that other
/// users can write is refused when the config is built
/// (`HWSMS_ERR_CONFIG`). Replaces any credentials set before.
///
/// The path is copied; the caller keeps ownership of `path`.
///
/// # Safety
/// `builder` is a live builder; `path` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_credentials_file(
    builder: *mut hwsms_config_builder,
    path: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, path, |b, p| b.credentials(|c| c.file(p))) }
}

/// Credentials being handed to hwsms by a `hwsms_credentials_callback`:
/// valid only during the callback, filled with the `hwsms_lease_set_*`
/// functions.
#[derive(Default)]
pub struct hwsms_lease {
    token: Option<String>,
    ak_sk: Option<(String, String)>,
    security_token: Option<String>,
    project_id: Option<String>,
    domain_id: Option<String>,
    expires_at: Option<u64>,
    error: Option<String>,
}

/// Asked for credentials: fill `lease` (a token, or an AK/SK pair with its
/// scope and security token, and when they expire) and return 0; on
/// failure, return any other number, after `hwsms_lease_set_error` if you
/// have words for it.
///
/// Called when the config is first used, then whenever the credentials are
/// about to expire (less than 40 minutes or half their lifetime left) and
/// once after SMS refuses them. Calls come from whichever thread is making
/// a call with the config (or a poller, or a clone), never two at once;
/// meanwhile the other threads go on with the current credentials while
/// they are valid. A failed call is retried no sooner than 30 s later.
/// The callback must not call hwsms functions on the same config.
pub type hwsms_credentials_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, lease: *mut hwsms_lease) -> c_int>;

/// Frees the callback's user data; called once, when nothing uses it any more.
pub type hwsms_free_callback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The application's credentials, through its callback.
struct Callback {
    callback: unsafe extern "C" fn(*mut c_void, *mut hwsms_lease) -> c_int,
    /// Held under the lock: one call at a time, whatever config calls.
    user_data: Mutex<*mut c_void>,
    free: hwsms_free_callback,
}

// SAFETY: the contract of hwsms_config_builder_set_credentials_callback:
// the callback and its user data may be used from any thread, one call at
// a time, which the mutex ensures.
unsafe impl Send for Callback {}
// SAFETY: as above; the user data is only touched under the mutex.
unsafe impl Sync for Callback {}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the application's credentials callback")
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            let user = *self.user_data.get_mut().unwrap_or_else(|p| p.into_inner());
            // SAFETY: the application gave this function for this pointer,
            // to be called once when it is no longer used: now.
            unsafe { free(user) };
        }
    }
}

impl CredentialSource for Callback {
    fn fetch(&self) -> Result<Lease, Box<dyn std::error::Error + Send + Sync>> {
        let user = self.user_data.lock().unwrap_or_else(|p| p.into_inner());
        let mut lease = hwsms_lease::default();
        // SAFETY: the application's callback, called as its contract says:
        // with its user data and a lease valid for this call only.
        let code = unsafe { (self.callback)(*user, &mut lease) };
        if code != 0 {
            let why = lease
                .error
                .unwrap_or_else(|| format!("the callback returned {code}"));
            return Err(why.into());
        }
        let mut out = match (lease.ak_sk, lease.token) {
            (Some((ak, sk)), _) => {
                let mut key = AkSk::new(ak, sk);
                if let Some(p) = lease.project_id {
                    key = key.project_id(p);
                }
                if let Some(d) = lease.domain_id {
                    key = key.domain_id(d);
                }
                if let Some(t) = lease.security_token {
                    key = key.security_token(t);
                }
                Lease::ak_sk(key)
            }
            (None, Some(token)) => Lease::token(token),
            (None, None) => {
                return Err("the callback returned 0 but set neither a token nor an AK/SK".into());
            }
        };
        if let Some(secs) = lease.expires_at {
            out = out.expires_at(UNIX_EPOCH + Duration::from_secs(secs));
        }
        Ok(out)
    }

    fn describe(&self) -> String {
        "the application's credentials callback".to_string()
    }
}

/// Gets the credentials from `callback` (see `hwsms_credentials_callback`
/// for when and how it is called), renewing them before they expire.
/// Replaces any credentials set before.
///
/// Ownership: hwsms keeps `user_data` and passes it to every call of
/// `callback`; when the builder and every config, clone and poller made
/// from it are freed, it calls `free_user_data(user_data)` once (when not
/// NULL). `callback` must not be NULL.
///
/// # Safety
/// `builder` is a live builder; `callback` and `free_user_data` are NULL or
/// valid functions; `user_data` is what they expect, usable from any
/// thread until `free_user_data` is called.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_credentials_callback(
    builder: *mut hwsms_config_builder,
    callback: hwsms_credentials_callback,
    user_data: *mut c_void,
    free_user_data: hwsms_free_callback,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            let callback = callback.ok_or(HWSMS_ERR_NULL_ARGUMENT)?;
            let source = Callback {
                callback,
                user_data: Mutex::new(user_data),
                free: free_user_data,
            };
            b.credentials(|c| c.source(Credentials::from_source(source)));
            Ok(())
        })
    }
}

/// Runs `f` on the lease behind `lease` with the string `value`.
///
/// # Safety
/// `lease` is NULL or the lease of a running callback; `value` is NULL or
/// NUL-terminated.
unsafe fn set_lease(
    lease: *mut hwsms_lease,
    value: *const c_char,
    f: impl FnOnce(&mut hwsms_lease, String),
) -> hwsms_result {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (lease, value) = unsafe { (try_mut(lease)?, arg(value)?) };
        f(lease, value.to_string());
        Ok(())
    })
}

/// An IAM token, sent as `X-Auth-Token`.
///
/// # Safety
/// `lease` is the lease of a running callback; `token` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_token(
    lease: *mut hwsms_lease,
    token: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_lease(lease, token, |l, t| l.token = Some(t)) }
}

/// An access key pair that signs every request; wins over a token.
///
/// # Safety
/// `lease` is the lease of a running callback; `ak` and `sk` are NULL or
/// NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_ak_sk(
    lease: *mut hwsms_lease,
    ak: *const c_char,
    sk: *const c_char,
) -> hwsms_result {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (lease, ak, sk) = unsafe { (try_mut(lease)?, arg(ak)?, arg(sk)?) };
        lease.ak_sk = Some((ak.to_string(), sk.to_string()));
        Ok(())
    })
}

/// With AK/SK: the security token of temporary keys (`X-Security-Token`).
///
/// # Safety
/// `lease` is the lease of a running callback; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_security_token(
    lease: *mut hwsms_lease,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_lease(lease, value, |l, v| l.security_token = Some(v)) }
}

/// With AK/SK: the project scope (`X-Project-Id`).
///
/// # Safety
/// `lease` is the lease of a running callback; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_project_id(
    lease: *mut hwsms_lease,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_lease(lease, value, |l, v| l.project_id = Some(v)) }
}

/// With AK/SK: the account scope (`X-Domain-Id`).
///
/// # Safety
/// `lease` is the lease of a running callback; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_domain_id(
    lease: *mut hwsms_lease,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_lease(lease, value, |l, v| l.domain_id = Some(v)) }
}

/// When the credentials expire, in Unix seconds (UTC). Without it they are
/// taken not to expire, and asked for again only after SMS refuses them.
/// Negative values are `HWSMS_ERR_CONFIG`.
///
/// # Safety
/// `lease` is the lease of a running callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_expires_at(
    lease: *mut hwsms_lease,
    unix_seconds: i64,
) -> hwsms_result {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let lease = unsafe { try_mut(lease) }?;
        lease.expires_at = Some(u64::try_from(unix_seconds).map_err(|_| HWSMS_ERR_CONFIG)?);
        Ok(())
    })
}

/// Why the callback failed, for the error hwsms reports (never put a secret
/// here). The message is copied.
///
/// # Safety
/// `lease` is the lease of a running callback; `message` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_lease_set_error(
    lease: *mut hwsms_lease,
    message: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_lease(lease, message, |l, m| l.error = Some(m)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn tokens(user: *mut c_void, lease: *mut hwsms_lease) -> c_int {
        // SAFETY: the test passes a counter.
        let n = unsafe { &mut *user.cast::<u32>() };
        *n += 1;
        let token = std::ffi::CString::new(format!("T{n}")).unwrap();
        // SAFETY: the lease of this call, a NUL-terminated string.
        unsafe {
            assert_eq!(hwsms_lease_set_token(lease, token.as_ptr()), HWSMS_OK);
            assert_eq!(hwsms_lease_set_expires_at(lease, -1), HWSMS_ERR_CONFIG);
            assert_eq!(hwsms_lease_set_expires_at(lease, 4_102_444_800), HWSMS_OK);
        }
        0
    }

    unsafe extern "C" fn failing(_: *mut c_void, lease: *mut hwsms_lease) -> c_int {
        let why = c"the vault is sealed";
        // SAFETY: the lease of this call.
        unsafe { hwsms_lease_set_error(lease, why.as_ptr()) };
        7
    }

    static FREED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    unsafe extern "C" fn count_free(_: *mut c_void) {
        FREED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    #[test]
    fn the_callback_fills_leases_and_its_data_is_freed_once() {
        let mut counter = 0u32;
        let source = Callback {
            callback: tokens,
            user_data: Mutex::new((&raw mut counter).cast()),
            free: Some(count_free),
        };
        let lease = source.fetch().unwrap();
        assert!(lease.expiry().is_some());
        source.fetch().unwrap();
        drop(source);
        assert_eq!(counter, 2);
        assert_eq!(FREED.load(std::sync::atomic::Ordering::SeqCst), 1);
        let failing = Callback {
            callback: failing,
            user_data: Mutex::new(std::ptr::null_mut()),
            free: None,
        };
        let e = failing.fetch().unwrap_err().to_string();
        assert_eq!(e, "the vault is sealed");
    }
}
