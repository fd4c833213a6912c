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
    token: Option<String>,
    ak_sk: Option<(String, String)>,
    project_id: Option<String>,
    domain_id: Option<String>,
    security_token: Option<String>,
    roots: TlsRoots,
    timeout_ms: Option<u64>,
    connect_timeout_ms: Option<u64>,
    proxy: ProxyChoice,
    max_attempts: Option<u32>,
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

/// Authenticates with an IAM token (`X-Auth-Token`). AK/SK, when also set, wins.
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
    unsafe { set_string(builder, value, |b| &mut b.token) }
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
            b.ak_sk = Some((arg(ak)?.to_string(), arg(sk)?.to_string()));
            Ok(())
        })
    }
}

/// Reads the credentials from the official SDK's environment variables:
/// `HUAWEICLOUD_SDK_AK`/`_SK` (with `_PROJECT_ID`, `_DOMAIN_ID`,
/// `_SECURITY_TOKEN`), else `HUAWEICLOUD_SDK_AUTH_TOKEN`. Variables that are
/// unset leave the builder as it was.
///
/// # Safety
/// `builder` is a live builder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn hwsms_config_builder_credentials_from_env(
    builder: *mut hwsms_config_builder,
) -> hwsms_result {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        with_builder(builder, |b| {
            let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
            if let (Some(ak), Some(sk)) = (var("HUAWEICLOUD_SDK_AK"), var("HUAWEICLOUD_SDK_SK")) {
                b.ak_sk = Some((ak, sk));
            }
            let fields = [
                ("HUAWEICLOUD_SDK_PROJECT_ID", &mut b.project_id),
                ("HUAWEICLOUD_SDK_DOMAIN_ID", &mut b.domain_id),
                ("HUAWEICLOUD_SDK_SECURITY_TOKEN", &mut b.security_token),
                ("HUAWEICLOUD_SDK_AUTH_TOKEN", &mut b.token),
            ];
            for (name, field) in fields {
                if let Some(v) = var(name) {
                    *field = Some(v);
                }
            }
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
        let missing = |what: &str| {
            hwsms_error::other(HWSMS_ERR_CONFIG, &format!("invalid configuration: {what}"))
        };
        if self.endpoint.is_none() && self.region.is_none() {
            return Err(missing("set an endpoint or a region"));
        }
        if self.ak_sk.is_none() && self.token.is_none() {
            return Err(missing("no credentials: set a token or an AK/SK pair"));
        }
        let credentials = match (&self.ak_sk, &self.token) {
            (Some((ak, sk)), _) => {
                let mut k = AkSk::new(ak.as_str(), sk.as_str());
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
            (None, Some(t)) => Credentials::token(t.as_str()),
            (None, None) => unreachable!("checked above"),
        };
        let mut b = match (&self.endpoint, &self.region) {
            (Some(e), _) => Config::builder(e.as_str(), credentials),
            (None, Some(r)) => Config::for_region(r.as_str(), credentials),
            (None, None) => unreachable!("checked above"),
        };
        b = b.tls_roots(self.roots.clone()).proxy(self.proxy.clone());
        if let Some(ms) = self.timeout_ms {
            b = b.timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = self.connect_timeout_ms {
            b = b.connect_timeout(Duration::from_millis(ms));
        }
        if let Some(n) = self.max_attempts {
            b = b.max_attempts(n);
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

/// Frees a configuration. `NULL` is allowed and does nothing. No fetch may
/// be running on it.
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
