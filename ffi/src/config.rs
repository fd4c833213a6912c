//! `hwsms_config_builder` (mutable settings) and `hwsms_config` (built,
//! immutable, shareable between threads).

use std::ffi::c_char;
use std::time::Duration;

use hwsms_core::{AkSk, Config, Credentials, ProxyChoice, TlsRoots};

use crate::error::hwsms_error;
use crate::panic::guard;
use crate::result::hwsms_result::{self, *};
use crate::strings::arg;

/// Settings collected before a `hwsms_config` is built. Not thread-safe:
/// use it from one thread, then build.
#[derive(Default)]
pub struct hwsms_config_builder {
    endpoint: Option<String>,
    region: Option<String>,
    /// The core's credentials: its rules (AK/SK win over a token, the
    /// environment's names) are applied by the core, not here.
    credentials: Option<Credentials>,
    /// Why `hwsms_config_builder_credentials_from_env` failed, reported again
    /// by the build so the message reaches an error handle.
    credentials_error: Option<String>,
    project_id: Option<String>,
    domain_id: Option<String>,
    security_token: Option<String>,
    roots: TlsRoots,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    proxy: ProxyChoice,
    max_attempts: Option<u32>,
    body_cap: Option<usize>,
    user_agent: Option<String>,
    idle_per_host: Option<usize>,
    idle_timeout_ms: Option<u64>,
    dead_timeout_ms: Option<u64>,
}

/// A built configuration: endpoint, credentials, TLS setup and the
/// connection pool. Immutable; one `hwsms_config` may be used by many
/// threads at once, and should be, so connections are reused.
pub struct hwsms_config {
    pub(crate) inner: Config,
}

/// Runs `f` on the builder behind `b`.
///
/// # Safety
/// `b` is NULL or a live builder from `hwsms_config_builder_new`, not used
/// by another thread meanwhile.
unsafe fn with_builder(
    b: *mut hwsms_config_builder,
    f: impl FnOnce(&mut hwsms_config_builder) -> Result<(), hwsms_result>,
) -> hwsms_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a live, exclusively used builder.
        let Some(b) = (unsafe { b.as_mut() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        f(b).err().unwrap_or(HWSMS_OK)
    })
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
    guard(|| {
        if builder_out.is_null() {
            return HWSMS_ERR_NULL_ARGUMENT;
        }
        let b = Box::into_raw(Box::<hwsms_config_builder>::default());
        // SAFETY: checked non-NULL; the caller provides a writable pointer.
        unsafe { *builder_out = b };
        HWSMS_OK
    })
}

/// Frees a builder. `NULL` is allowed and does nothing.
///
/// # Safety
/// `builder` is NULL or came from `hwsms_config_builder_new` and was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_free(builder: *mut hwsms_config_builder) {
    let _ = guard(|| {
        if !builder.is_null() {
            // SAFETY: the caller hands back a pointer from Box::into_raw, once.
            drop(unsafe { Box::from_raw(builder) });
        }
        HWSMS_OK
    });
}

/// Stores a copied string argument into a builder field.
///
/// # Safety
/// `builder` is NULL or a live builder; `value` is NULL or NUL-terminated.
unsafe fn set_string(
    builder: *mut hwsms_config_builder,
    value: *const c_char,
    field: impl FnOnce(&mut hwsms_config_builder) -> &mut Option<String>,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        with_builder(builder, |b| {
            let v = arg(value)?.to_string();
            *field(b) = Some(v);
            Ok(())
        })
    }
}

/// Sets the endpoint, e.g. `https://sms.cn-north-4.myhuaweicloud.com`
/// (`http://` only for loopback). Replaces any region.
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
    unsafe { set_string(builder, value, |b| &mut b.endpoint) }
}

/// Sets a region id (e.g. `cn-north-4`), resolved through the official
/// table and `HUAWEICLOUD_SDK_REGION_SMS_<ID>`. Used when no endpoint is set.
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
    unsafe { set_string(builder, value, |b| &mut b.region) }
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
    unsafe {
        with_builder(builder, |b| {
            let token = Credentials::token(arg(value)?);
            let signing = b
                .credentials
                .as_ref()
                .is_some_and(|c| c.as_ak_sk().is_some());
            if !signing {
                b.credentials = Some(token);
                b.credentials_error = None;
            }
            Ok(())
        })
    }
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
    unsafe { set_string(builder, value, |b| &mut b.project_id) }
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
    unsafe { set_string(builder, value, |b| &mut b.domain_id) }
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
    unsafe { set_string(builder, value, |b| &mut b.security_token) }
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
        with_builder(builder, |b| {
            b.credentials = Some(Credentials::ak_sk(AkSk::new(arg(ak)?, arg(sk)?)));
            b.credentials_error = None;
            Ok(())
        })
    }
}

/// Reads the credentials from the environment exactly as the Rust library's
/// `Credentials::from_env` does: `HUAWEICLOUD_SDK_AK` and
/// `HUAWEICLOUD_SDK_SK` (or, when both are unset, `CLOUD_SDK_AK` and
/// `CLOUD_SDK_SK`) with `HUAWEICLOUD_SDK_PROJECT_ID` or `_DOMAIN_ID` and
/// `_SECURITY_TOKEN`; else `HUAWEICLOUD_SDK_AUTH_TOKEN`. AK/SK win over a
/// token. Replaces any credentials set before.
///
/// Returns `HWSMS_ERR_CONFIG` when an AK is set without its SK (or the
/// reverse) or nothing is set; `hwsms_config_builder_build` then fails with
/// the same reason in its error handle (naming the missing variable).
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_credentials_from_env(
    builder: *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        with_builder(builder, |b| match Credentials::from_env() {
            Ok(c) => {
                b.credentials = Some(c);
                b.credentials_error = None;
                Ok(())
            }
            Err(e) => {
                b.credentials = None;
                b.credentials_error = Some(e.to_string());
                Err(HWSMS_ERR_CONFIG)
            }
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
        with_builder(builder, |b| {
            if pem.is_null() {
                return Err(HWSMS_ERR_NULL_ARGUMENT);
            }
            // SAFETY (inside this function's unsafe block): non-NULL, and the
            // caller promises `len` readable bytes.
            let bytes = std::slice::from_raw_parts(pem, len);
            b.roots = TlsRoots::Pem(bytes.to_vec());
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
        with_builder(builder, |b| {
            b.body_cap = Some(bytes);
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
    unsafe { set_string(builder, value, |b| &mut b.user_agent) }
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
        with_builder(builder, |b| {
            b.idle_per_host = Some(n);
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
        with_builder(builder, |b| {
            b.idle_timeout_ms = Some(ms);
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
        with_builder(builder, |b| {
            b.dead_timeout_ms = Some(ms);
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
    unsafe {
        with_builder(builder, |b| {
            b.roots = TlsRoots::PemFile(arg(path)?.into());
            Ok(())
        })
    }
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
        with_builder(builder, |b| {
            b.roots = TlsRoots::System;
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
        with_builder(builder, |b| {
            b.timeout_ms = Some(ms);
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
        with_builder(builder, |b| {
            b.connect_timeout_ms = Some(ms);
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
        with_builder(builder, |b| {
            b.proxy = ProxyChoice::Url(arg(url)?.to_string());
            Ok(())
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
        with_builder(builder, |b| {
            b.proxy = ProxyChoice::FromEnv;
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
        with_builder(builder, |b| {
            b.max_attempts = Some(n);
            Ok(())
        })
    }
}

impl hwsms_config_builder {
    fn build(&self) -> Result<Config, hwsms_error> {
        let invalid = |what: &str| {
            hwsms_error::other(HWSMS_ERR_CONFIG, &format!("invalid configuration: {what}"))
        };
        if self.endpoint.is_none() && self.region.is_none() {
            return Err(invalid("set an endpoint or a region"));
        }
        if let Some(why) = &self.credentials_error {
            return Err(hwsms_error::other(HWSMS_ERR_CONFIG, why));
        }
        let Some(credentials) = &self.credentials else {
            return Err(invalid("no credentials: set a token or an AK/SK pair"));
        };
        // Scope setters apply to AK/SK; a token carries its own scope.
        let credentials = match credentials.as_ak_sk() {
            Some(key) => {
                let mut k = key.clone();
                if let Some(p) = &self.project_id {
                    k = k.project_id(p.as_str());
                }
                if let Some(d) = &self.domain_id {
                    k = k.domain_id(d.as_str());
                }
                if let Some(t) = &self.security_token {
                    k = k.security_token(t.as_str());
                }
                Credentials::ak_sk(k)
            }
            None => credentials.clone(),
        };
        let mut b = match (&self.endpoint, &self.region) {
            (Some(e), _) => Config::builder(e.as_str(), credentials),
            (None, Some(r)) => Config::for_region(r.as_str(), credentials),
            (None, None) => unreachable!("checked above"),
        };
        b = b.tls_roots(self.roots.clone()).proxy(self.proxy.clone());
        let ms = Duration::from_millis;
        if let Some(v) = self.timeout_ms {
            b = b.timeout(ms(v));
        }
        if let Some(v) = self.connect_timeout_ms {
            b = b.connect_timeout(ms(v));
        }
        if let Some(n) = self.max_attempts {
            b = b.max_attempts(n);
        }
        if let Some(n) = self.body_cap {
            b = b.body_cap(n);
        }
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.as_str());
        }
        if let Some(n) = self.idle_per_host {
            b = b.max_idle_connections_per_host(n);
        }
        if let Some(v) = self.idle_timeout_ms {
            b = b.idle_connection_timeout(ms(v));
        }
        if let Some(v) = self.dead_timeout_ms {
            b = b.dead_connection_timeout(ms(v));
        }
        b.build().map_err(|e| hwsms_error::new(&e))
    }
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
        let Some(b) = (unsafe { builder.as_ref() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        if config_out.is_null() {
            return HWSMS_ERR_NULL_ARGUMENT;
        }
        match b.build() {
            Ok(inner) => {
                let c = Box::into_raw(Box::new(hwsms_config { inner }));
                // SAFETY: checked non-NULL; the caller provides a writable pointer.
                unsafe { *config_out = c };
                HWSMS_OK
            }
            // SAFETY: error_out is NULL or writable, per the contract.
            Err(e) => unsafe { e.write(error_out) },
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
        let Some(config) = (unsafe { config.as_ref() }) else {
            return HWSMS_ERR_NULL_ARGUMENT;
        };
        if config_out.is_null() {
            return HWSMS_ERR_NULL_ARGUMENT;
        }
        let copy = Box::into_raw(Box::new(hwsms_config {
            inner: config.inner.clone(),
        }));
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { *config_out = copy };
        HWSMS_OK
    })
}

/// Frees a configuration handle. `NULL` is allowed and does nothing. No
/// call may be running on this handle; calls on other handles of the same
/// configuration (see `hwsms_config_clone`) are unaffected.
///
/// # Safety
/// `config` is NULL or came from `hwsms_config_builder_build` and was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_free(config: *mut hwsms_config) {
    let _ = guard(|| {
        if !config.is_null() {
            // SAFETY: the caller hands back a pointer from Box::into_raw, once.
            drop(unsafe { Box::from_raw(config) });
        }
        HWSMS_OK
    });
}
