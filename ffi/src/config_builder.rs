//! `hwsms_config_builder`: settings gathered one call at a time. Each
//! setter forwards to the core's `ConfigBuilder` (and the credential
//! settings to its `CredentialsBuilder`), which own every rule: which
//! credentials win, endpoint versus region, the environment's names,
//! defaults and validation.

use std::ffi::c_char;
use std::mem::take;
use std::time::Duration;

use hwsms_core::auth::CredentialsBuilder;
use hwsms_core::config::ConfigBuilder;
use hwsms_core::{ProxyChoice, TlsRoots};

use crate::handle::{free_handle, hand_out, try_mut};
use crate::panic::guard;
use crate::result::hwsms_result::{self, *};
use crate::strings::arg;

/// Settings collected before a `hwsms_config` is built. Not thread-safe:
/// use it from one thread, then build.
#[derive(Default)]
pub struct hwsms_config_builder {
    pub(crate) config: ConfigBuilder,
}

impl hwsms_config_builder {
    fn config(&mut self, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) {
        self.config = f(take(&mut self.config));
    }
    pub(crate) fn credentials(&mut self, f: impl FnOnce(CredentialsBuilder) -> CredentialsBuilder) {
        self.config(|c| c.credentials_with(f));
    }
    /// `HWSMS_ERR_CONFIG` when the environment could not be taken.
    fn env_checked(&self) -> Result<(), hwsms_result> {
        match self.config.env_error() {
            Some(_) => Err(HWSMS_ERR_CONFIG),
            None => Ok(()),
        }
    }
}

/// Runs `f` on the builder behind `b`.
///
/// # Safety
/// `b` is NULL or a live builder from `hwsms_config_builder_new`, not used
/// by another thread meanwhile.
pub(crate) unsafe fn edit(
    b: *mut hwsms_config_builder,
    f: impl FnOnce(&mut hwsms_config_builder) -> Result<(), hwsms_result>,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    guard(|| f(unsafe { try_mut(b) }?))
}

/// Runs `f` with the string argument `value`, copied.
///
/// # Safety
/// `b` is NULL or a live builder; `value` is NULL or NUL-terminated.
pub(crate) unsafe fn set_str(
    b: *mut hwsms_config_builder,
    value: *const c_char,
    f: impl FnOnce(&mut hwsms_config_builder, String),
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(b, |b| {
            f(b, arg(value)?.to_string());
            Ok(())
        })
    }
}

/// Creates an empty builder and writes it to `*builder_out`.
///
/// Ownership: the caller owns the builder and frees it with
/// `hwsms_config_builder_free` (building does not consume it).
///
/// # Safety
/// `builder_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_new(
    builder_out: *mut *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: builder_out is NULL or writable, per the contract.
    guard(|| unsafe { hand_out(builder_out, hwsms_config_builder::default()) })
}

/// Frees a builder. `NULL` is allowed and does nothing.
///
/// # Safety
/// `builder` is NULL or came from `hwsms_config_builder_new` and was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_free(builder: *mut hwsms_config_builder) {
    let _ = guard(|| {
        // SAFETY: NULL or a builder from hwsms_config_builder_new, once.
        unsafe { free_handle(builder) };
        Ok(())
    });
}

/// Sets the endpoint, e.g. `https://sms.cn-north-4.myhuaweicloud.com`
/// (`http://` only for loopback). Replaces any region: of endpoint and
/// region, the last one set wins.
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_endpoint(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, value, |b, v| b.config(|c| c.endpoint(v))) }
}

/// Sets a region id (e.g. `cn-north-4`), resolved through the official
/// table and `HUAWEICLOUD_SDK_REGION_SMS_<ID>`. Replaces any endpoint: of
/// endpoint and region, the last one set wins.
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_region(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, value, |b, v| b.config(|c| c.region(v))) }
}

/// Authenticates with an IAM token (`X-Auth-Token`). AK/SK, when also set
/// (before or after), win: a signature is fresh for every request, a token
/// expires.
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_token(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, value, |b, v| b.credentials(|c| c.token(v))) }
}

/// With AK/SK: the project scope, sent and signed as `X-Project-Id`.
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_project_id(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, value, |b, v| b.credentials(|c| c.project_id(v))) }
}

/// With AK/SK: the account scope, sent and signed as `X-Domain-Id`.
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_domain_id(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, value, |b, v| b.credentials(|c| c.domain_id(v))) }
}

/// With AK/SK: the security token of temporary credentials (`X-Security-Token`).
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_security_token(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set_str(builder, value, |b, v| {
            b.credentials(|c| c.security_token(v))
        })
    }
}

/// Authenticates by signing requests with an access key and secret key.
///
/// Both strings are copied; the caller keeps ownership.
///
/// # Safety
/// `builder` is a live builder; `ak` and `sk` are NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_ak_sk(
    builder: *mut hwsms_config_builder,
    ak: *const c_char,
    sk: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            let (ak, sk) = (arg(ak)?, arg(sk)?);
            b.credentials(|c| c.ak_sk(ak, sk));
            Ok(())
        })
    }
}

/// Reads the credentials from the environment exactly as the Rust library's
/// `Credentials::from_env` does, the first of these that is set:
/// 1. `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK` (or, when both are
///    unset, `CLOUD_SDK_AK` and `CLOUD_SDK_SK`) with
///    `HUAWEICLOUD_SDK_PROJECT_ID` or `_DOMAIN_ID` and `_SECURITY_TOKEN`;
/// 2. the credentials file `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
///    `~/.huaweicloud/credentials` when it exists (re-read when replaced);
/// 3. an IAM password: `OS_USERNAME`, `OS_PASSWORD`, `OS_USER_DOMAIN_NAME`,
///    `OS_PROJECT_ID` or `OS_PROJECT_NAME`, `OS_AUTH_URL` (tokens renewed);
/// 4. the ECS metadata service, when `HWSMS_CREDENTIALS_SOURCE=metadata`
///    (keys renewed);
/// 5. `HUAWEICLOUD_SDK_AUTH_TOKEN`.
///
/// Replaces any credentials set before.
///
/// Returns `HWSMS_ERR_CONFIG` when an AK is set without its SK (or the
/// reverse), a user without a password, or nothing is set;
/// `hwsms_config_builder_build` then fails with the same reason in its
/// error handle (naming the missing variable).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_credentials_from_env(
    builder: *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.credentials(CredentialsBuilder::env);
            b.env_checked()
        })
    }
}

/// Takes every setting the environment gives, exactly as the Rust library's
/// `ConfigBuilder::env` (and `Config::from_env`) does: `HWSMS_ENDPOINT` or
/// `HUAWEICLOUD_SDK_REGION`, `HWSMS_CA_FILE` or `HWSMS_SYSTEM_ROOTS`,
/// `HWSMS_PROXY` or `HWSMS_PROXY_FROM_ENV`, and the credentials (as
/// `hwsms_config_builder_credentials_from_env`) when the environment names
/// any. Settings it leaves unset keep what the builder had; setters called
/// afterwards override it.
///
/// Returns `HWSMS_ERR_CONFIG` when a variable holds an unusable value (a
/// switch that is not on/off, a named setting that is empty, an AK without
/// its SK); `hwsms_config_builder_build` then fails with the same reason.
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_from_env(
    builder: *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(ConfigBuilder::env);
            b.env_checked()
        })
    }
}

/// Trusts only the certificates in these PEM bytes (replacing the built-in
/// roots), e.g. a private cloud's CA compiled into the agent.
///
/// The bytes are copied; the caller keeps ownership of `pem`.
///
/// # Safety
/// `builder` is a live builder; `pem` is NULL or points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_ca_pem(
    builder: *mut hwsms_config_builder,
    pem: *const u8,
    len: usize,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            if pem.is_null() {
                return Err(HWSMS_ERR_NULL_ARGUMENT);
            }
            // SAFETY (inside this function's unsafe block): non-NULL, and the
            // caller promises `len` readable bytes.
            let bytes = std::slice::from_raw_parts(pem, len).to_vec();
            b.config(|c| c.tls_roots(TlsRoots::Pem(bytes)));
            Ok(())
        })
    }
}

/// Sets the largest response body read, in bytes (default 1 MiB); larger
/// bodies fail with `HWSMS_ERR_BODY_TOO_LARGE`. 0 is rejected when building.
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_body_cap(
    builder: *mut hwsms_config_builder,
    bytes: usize,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.body_cap(bytes));
            Ok(())
        })
    }
}

/// Sets the `User-Agent` header (default `hwsms/<version>`); printable
/// ASCII only, checked when building.
///
/// The string is copied; the caller keeps ownership of `value`.
///
/// # Safety
/// `builder` is a live builder; `value` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_user_agent(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, value, |b, v| b.config(|c| c.user_agent(v))) }
}

/// Sets how many idle connections are kept for reuse per host (default 16;
/// 0 turns pooling off).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_max_idle_connections_per_host(
    builder: *mut hwsms_config_builder,
    n: usize,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.max_idle_connections_per_host(n));
            Ok(())
        })
    }
}

/// Sets how long an idle pooled connection is kept, in milliseconds
/// (default 50000; keep it below the NAT and firewall idle timeouts).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_idle_connection_timeout_ms(
    builder: *mut hwsms_config_builder,
    ms: u64,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.idle_connection_timeout(Duration::from_millis(ms)));
            Ok(())
        })
    }
}

/// Sets how long a request on a reused connection waits for the first byte
/// of its answer before the connection is presumed dead and the request
/// resent on a fresh one, in milliseconds (default 10000). 0 is rejected
/// when building.
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_dead_connection_timeout_ms(
    builder: *mut hwsms_config_builder,
    ms: u64,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.dead_connection_timeout(Duration::from_millis(ms)));
            Ok(())
        })
    }
}

/// Trusts only the certificates in this PEM file (replacing the built-in roots).
///
/// # Safety
/// `builder` is a live builder; `path` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_ca_file(
    builder: *mut hwsms_config_builder,
    path: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_str(builder, path, |b, v| b.config(|c| c.ca_file(v))) }
}

/// Trusts the host's CA bundle (`SSL_CERT_FILE`, then the usual paths).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_use_system_roots(
    builder: *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.tls_roots(TlsRoots::System));
            Ok(())
        })
    }
}

/// Sets the deadline for a whole fetch, retries included, in milliseconds
/// (default 30000). 0 is rejected when building.
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_timeout_ms(
    builder: *mut hwsms_config_builder,
    ms: u64,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.timeout(Duration::from_millis(ms)));
            Ok(())
        })
    }
}

/// Sets the time allowed to connect (DNS, TCP, proxy, TLS), in milliseconds
/// (default 10000).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_connect_timeout_ms(
    builder: *mut hwsms_config_builder,
    ms: u64,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.connect_timeout(Duration::from_millis(ms)));
            Ok(())
        })
    }
}

/// Tunnels through this HTTP proxy: `http://[user:pass@]host:port`.
///
/// # Safety
/// `builder` is a live builder; `url` is NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_proxy(
    builder: *mut hwsms_config_builder,
    url: *const c_char,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        set_str(builder, url, |b, v| {
            b.config(|c| c.proxy(ProxyChoice::Url(v)))
        })
    }
}

/// Takes the proxy from `https_proxy`/`HTTPS_PROXY`, `http_proxy`/`HTTP_PROXY`,
/// `all_proxy`/`ALL_PROXY` and `no_proxy`/`NO_PROXY`, by curl's rules.
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_use_proxy_from_env(
    builder: *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.proxy(ProxyChoice::FromEnv));
            Ok(())
        })
    }
}

/// Sets how many requests one fetch may send for retryable failures (1-10,
/// default 3).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_set_max_attempts(
    builder: *mut hwsms_config_builder,
    n: u32,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        edit(builder, |b| {
            b.config(|c| c.max_attempts(n));
            Ok(())
        })
    }
}
