//! `Config`: everything a call needs, built once and shared.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::GatewayClock;
use crate::connection::{self, Watch};
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::limits::{
    DEFAULT_ATTEMPTS, DEFAULT_BODY_CAP, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEAD_CONNECTION_TIMEOUT,
    DEFAULT_IDLE_CONNECTION_TIMEOUT, DEFAULT_IDLE_CONNECTIONS_PER_HOST, DEFAULT_TIMEOUT,
    MAX_ATTEMPTS, MAX_RESPONSE_HEADER_SIZE,
};
use crate::proxy::{self, ProxyChoice, ProxyUrl};
use crate::region;
use crate::resolver::LiteralFirst;
use crate::tls_roots::TlsRoots;

/// The `User-Agent` sent by default.
pub const DEFAULT_USER_AGENT: &str = concat!("hwsms/", env!("CARGO_PKG_VERSION"));

/// Immutable settings plus the connection pool, built once with [`ConfigBuilder`].
///
/// Cloning is cheap and clones share the connection pool, the TLS session
/// cache and the learned gateway clock offset. A `Config` may be used from
/// many threads at once.
///
/// **One `Config` per process** (per endpoint and credentials): building one
/// per call would throw away the pooled connections, the TLS sessions that
/// make reconnects cheap, and the learned clock skew.
///
/// ```no_run
/// use std::time::Duration;
/// use hwsms::{AkSk, Config, Credentials, ProxyChoice};
///
/// // By region, through the official SDK's endpoint table:
/// let config = Config::for_region(
///     "ap-southeast-3",
///     Credentials::ak_sk(AkSk::new("AK...", "SK...").project_id("0a1b...")),
/// )
/// .proxy(ProxyChoice::Url("http://proxy.corp:3128".into()))
/// .timeout(Duration::from_secs(20))
/// .build()?;
///
/// // By endpoint (a private cloud), with its CA:
/// let private = Config::builder("https://sms.example.internal", Credentials::token("MIIT..."))
///     .ca_file("/etc/pki/private-cloud-ca.pem")
///     .build()?;
///
/// // Or everything from the environment (see `Config::from_env`):
/// let from_env = Config::from_env()?;
/// # let _ = (config, private, from_env);
/// # Ok::<_, hwsms::Error>(())
/// ```
#[derive(Clone)]
pub struct Config {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    /// `endpoint`'s base URL, computed once.
    endpoint_url: String,
    /// The proxy as shown to people (password redacted), computed once.
    proxy_shown: Option<String>,
    credentials: Credentials,
    connect_timeout: Duration,
    timeout: Duration,
    body_cap: usize,
    user_agent: String,
    tls_roots: TlsRoots,
    proxy: Option<ProxyUrl>,
    max_attempts: u32,
    connections: Connections,
    agent: ureq::Agent,
    /// The one rustls client config every connection uses.
    tls: Arc<rustls::ClientConfig>,
    clock: GatewayClock,
}

/// How connections are pooled and watched.
#[derive(Debug, Clone, Copy)]
struct Connections {
    idle_per_host: usize,
    idle_timeout: Duration,
    dead_timeout: Duration,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            idle_per_host: DEFAULT_IDLE_CONNECTIONS_PER_HOST,
            idle_timeout: DEFAULT_IDLE_CONNECTION_TIMEOUT,
            dead_timeout: DEFAULT_DEAD_CONNECTION_TIMEOUT,
        }
    }
}

impl Config {
    /// Starts a builder for `endpoint` (e.g. `https://sms.cn-north-4.myhuaweicloud.com`).
    pub fn builder(endpoint: impl Into<String>, credentials: Credentials) -> ConfigBuilder {
        ConfigBuilder::new(Target::Url(endpoint.into()), credentials)
    }

    /// Starts a builder for a region id (e.g. `cn-north-4`), resolved through
    /// the official SDK's table and the `HUAWEICLOUD_SDK_REGION_SMS_<ID>` override.
    pub fn for_region(region_id: impl Into<String>, credentials: Credentials) -> ConfigBuilder {
        ConfigBuilder::new(Target::Region(region_id.into()), credentials)
    }

    /// Builds a config entirely from the environment.
    ///
    /// - Credentials: [`Credentials::from_env`].
    /// - Where: `HWSMS_ENDPOINT`, else `HUAWEICLOUD_SDK_REGION` (with its
    ///   `HUAWEICLOUD_SDK_REGION_SMS_<ID>` override).
    /// - TLS: `HWSMS_CA_FILE`, else `HWSMS_SYSTEM_ROOTS=1`, else webpki roots.
    /// - Proxy: `HWSMS_PROXY` (a URL), else `HWSMS_PROXY_FROM_ENV=1`, else direct.
    ///
    /// The switches accept `1`, `true`, `yes`, `on` and `0`, `false`, `no`,
    /// `off` in any letter case; anything else is a configuration error
    /// rather than silently "off".
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for missing or unusable values.
    ///
    /// ```no_run
    /// // HUAWEICLOUD_SDK_AK/SK/PROJECT_ID and HUAWEICLOUD_SDK_REGION=ap-southeast-3 set.
    /// let config = hwsms::Config::from_env()?;
    /// println!("asking {}", config.endpoint());
    /// # Ok::<_, hwsms::Error>(())
    /// ```
    pub fn from_env() -> Result<Config, Error> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let credentials = Credentials::from_env()?;
        let mut builder = match (var("HWSMS_ENDPOINT"), var("HUAWEICLOUD_SDK_REGION")) {
            (Some(url), _) => Config::builder(url, credentials),
            (None, Some(region)) => Config::for_region(region, credentials),
            (None, None) => {
                return Err(Error::config(
                    "set HWSMS_ENDPOINT to the SMS endpoint URL or HUAWEICLOUD_SDK_REGION to a region id",
                ));
            }
        };
        let system_roots = switch("HWSMS_SYSTEM_ROOTS", var("HWSMS_SYSTEM_ROOTS"))?;
        if let Some(ca) = var("HWSMS_CA_FILE") {
            builder = builder.ca_file(ca);
        } else if system_roots {
            builder = builder.tls_roots(TlsRoots::System);
        }
        let proxy_from_env = switch("HWSMS_PROXY_FROM_ENV", var("HWSMS_PROXY_FROM_ENV"))?;
        if let Some(p) = var("HWSMS_PROXY") {
            builder = builder.proxy(ProxyChoice::Url(p));
        } else if proxy_from_env {
            builder = builder.proxy(ProxyChoice::FromEnv);
        }
        builder.build()
    }

    /// The endpoint base URL, e.g. `https://sms.cn-north-4.myhuaweicloud.com`.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint_url
    }
    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }
    /// Time allowed to establish a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }
    /// Deadline for a whole call, retries included.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }
    /// Largest response body read, in bytes.
    pub fn body_cap(&self) -> usize {
        self.inner.body_cap
    }
    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }
    /// The trust anchors.
    pub fn tls_roots(&self) -> &TlsRoots {
        &self.inner.tls_roots
    }
    /// The proxy in use after applying the environment rules, password redacted;
    /// `None` when connecting directly.
    pub fn proxy(&self) -> Option<&str> {
        self.inner.proxy_shown.as_deref()
    }
    /// Most requests one call sends, every request counted.
    pub fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }
    /// Most idle connections kept for reuse per host.
    pub fn max_idle_connections_per_host(&self) -> usize {
        self.inner.connections.idle_per_host
    }
    /// How long an idle pooled connection is kept for reuse.
    pub fn idle_connection_timeout(&self) -> Duration {
        self.inner.connections.idle_timeout
    }
    /// How long a request on a reused connection waits for the first byte
    /// of its answer before the connection is presumed dead.
    pub fn dead_connection_timeout(&self) -> Duration {
        self.inner.connections.dead_timeout
    }
    /// Seconds the gateway's clock is ahead of this host's (negative: behind),
    /// as learned from its responses; AK/SK signatures are dated with it.
    pub fn clock_skew_secs(&self) -> i64 {
        self.inner.clock.offset_secs()
    }

    pub(crate) fn endpoint_ref(&self) -> &Endpoint {
        &self.inner.endpoint
    }
    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.inner.agent
    }
    pub(crate) fn tls_client_config(&self) -> &Arc<rustls::ClientConfig> {
        &self.inner.tls
    }
    pub(crate) fn clock(&self) -> &GatewayClock {
        &self.inner.clock
    }
    pub(crate) fn proxy_url(&self) -> Option<&ProxyUrl> {
        self.inner.proxy.as_ref()
    }
    /// Every secret a message could echo: token, SK, security token, proxy password.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let mut secrets = self.inner.credentials.secrets();
        if let Some(pw) = self.proxy_url().and_then(|p| p.password.as_deref()) {
            secrets.push(pw);
        }
        secrets
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Config")
            .field("endpoint", &i.endpoint)
            .field("credentials", &i.credentials)
            .field("connect_timeout", &i.connect_timeout)
            .field("timeout", &i.timeout)
            .field("body_cap", &i.body_cap)
            .field("user_agent", &i.user_agent)
            .field("tls_roots", &i.tls_roots)
            .field("proxy", &i.proxy)
            .field("max_attempts", &i.max_attempts)
            .field("connections", &i.connections)
            .field("clock_skew_secs", &i.clock.offset_secs())
            .finish()
    }
}

/// Reads an on/off environment switch; unset or empty is off.
fn switch(name: &str, value: Option<String>) -> Result<bool, Error> {
    let Some(v) = value else {
        return Ok(false);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::config(format!(
            "{name} must be 1, true, yes or on (or 0, false, no, off), not {:?}",
            v.chars().take(32).collect::<String>()
        ))),
    }
}

/// ring, always (never a process-wide default such as aws-lc), offering
/// ChaCha20-Poly1305 first.
///
/// Why ChaCha20 first: old source hosts often lack AES instructions (older
/// Xeons, ARM boards), where ChaCha20 is the fast constant-time cipher; on
/// hosts with them the difference is invisible for one small request. It
/// also keeps valgrind quiet for C users: ring's stitched AES-GCM assembly
/// (from OpenSSL) is a known valgrind false positive. The server still
/// decides; AES-GCM stays on offer.
pub(crate) fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::CipherSuite::*;
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.sort_by_key(|s| {
        !matches!(
            s.suite(),
            TLS13_CHACHA20_POLY1305_SHA256
                | TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                | TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        )
    });
    Arc::new(provider)
}

#[derive(Debug, Clone)]
enum Target {
    Url(String),
    Region(String),
}

/// Builds a [`Config`]; every setter has a default, documented on it.
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    target: Target,
    credentials: Credentials,
    connect_timeout: Duration,
    timeout: Duration,
    body_cap: usize,
    user_agent: String,
    tls_roots: TlsRoots,
    proxy: ProxyChoice,
    max_attempts: u32,
    connections: Connections,
}

impl ConfigBuilder {
    fn new(target: Target, credentials: Credentials) -> Self {
        ConfigBuilder {
            target,
            credentials,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            body_cap: DEFAULT_BODY_CAP,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            tls_roots: TlsRoots::WebPki,
            proxy: ProxyChoice::Direct,
            max_attempts: DEFAULT_ATTEMPTS,
            connections: Connections::default(),
        }
    }

    /// Time allowed to establish a connection (DNS, TCP, proxy tunnel, TLS).
    ///
    /// Defaults to 10 s.
    pub fn connect_timeout(mut self, v: Duration) -> Self {
        self.connect_timeout = v;
        self
    }

    /// Deadline for a whole [`fetch_command`](crate::fetch_command) call: every
    /// attempt, backoff and body read must finish within it.
    ///
    /// Defaults to 30 s.
    pub fn timeout(mut self, v: Duration) -> Self {
        self.timeout = v;
        self
    }

    /// Largest response body read, in bytes; a larger body is an error and is
    /// not read past the cap.
    ///
    /// Defaults to 1 MiB.
    pub fn body_cap(mut self, v: usize) -> Self {
        self.body_cap = v;
        self
    }

    /// The `User-Agent` header.
    ///
    /// Defaults to `hwsms/<version>`.
    pub fn user_agent(mut self, v: impl Into<String>) -> Self {
        self.user_agent = v.into();
        self
    }

    /// The trust anchors for TLS.
    ///
    /// Defaults to [`TlsRoots::WebPki`].
    pub fn tls_roots(mut self, v: TlsRoots) -> Self {
        self.tls_roots = v;
        self
    }

    /// Trusts only the certificates in this PEM file (replacing the built-in roots).
    ///
    /// Defaults to not set.
    pub fn ca_file(self, path: impl Into<std::path::PathBuf>) -> Self {
        self.tls_roots(TlsRoots::PemFile(path.into()))
    }

    /// Trusts only the certificates in these PEM bytes (replacing the built-in roots).
    ///
    /// Defaults to not set.
    pub fn ca_pem(self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_roots(TlsRoots::Pem(pem.into()))
    }

    /// How to reach the endpoint: directly, through a proxy URL, or by the
    /// environment's proxy variables. Proxy variables are ignored unless
    /// [`ProxyChoice::FromEnv`] is chosen.
    ///
    /// Defaults to [`ProxyChoice::Direct`].
    pub fn proxy(mut self, v: ProxyChoice) -> Self {
        self.proxy = v;
        self
    }

    /// Most requests one call sends, between 1 and 10. Every request counts:
    /// retries after retryable failures (transport errors, 429, 500, 502,
    /// 503, 504), the one re-signed request after a clock-skew rejection, and
    /// the resend after a dead pooled connection (see
    /// [`dead_connection_timeout`](Self::dead_connection_timeout)). With 1,
    /// nothing is ever sent twice.
    ///
    /// Defaults to 3.
    pub fn max_attempts(mut self, v: u32) -> Self {
        self.max_attempts = v;
        self
    }

    /// Most idle connections kept for reuse per host; 0 turns pooling off.
    /// Callers beyond this number that share a `Config` at the same moment
    /// open (and then close) connections of their own.
    ///
    /// Defaults to 16, so up to 16 concurrent callers keep reusing theirs.
    pub fn max_idle_connections_per_host(mut self, v: usize) -> Self {
        self.connections.idle_per_host = v;
        self
    }

    /// How long an idle pooled connection is kept for reuse. Keep it below
    /// the idle timeout of every NAT, firewall and load balancer on the path
    /// (many drop idle flows after 60 s, some silently); a connection older
    /// than this is closed and a new one opened, which is cheap thanks to
    /// TLS session resumption.
    ///
    /// Defaults to 50 s.
    pub fn idle_connection_timeout(mut self, v: Duration) -> Self {
        self.connections.idle_timeout = v;
        self
    }

    /// How long a request sent on a *reused* pooled connection waits for the
    /// first byte of its answer before the connection is presumed dead
    /// (dropped silently by a NAT or firewall). The request is then resent
    /// at once on a fresh connection, within the same deadline, and every
    /// connection pooled before that moment is discarded. Requests on fresh
    /// connections are not affected: they wait up to [`timeout`](Self::timeout).
    ///
    /// Defaults to 10 s.
    pub fn dead_connection_timeout(mut self, v: Duration) -> Self {
        self.connections.dead_timeout = v;
        self
    }

    /// Validates everything, loads the CA certificates and builds the agent.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a bad endpoint or region, unusable credentials,
    /// an unreadable CA file or one without certificates, a bad proxy URL,
    /// or out-of-range numbers.
    pub fn build(self) -> Result<Config, Error> {
        let url = match &self.target {
            Target::Url(u) => u.clone(),
            Target::Region(r) => region::endpoint_for(r)?,
        };
        let endpoint = Endpoint::parse(&url)?;
        self.credentials.validate()?;
        if self.connect_timeout.is_zero()
            || self.timeout.is_zero()
            || self.connections.dead_timeout.is_zero()
        {
            return Err(Error::config("timeouts must be greater than zero"));
        }
        if self.body_cap == 0 {
            return Err(Error::config("the body cap must be greater than zero"));
        }
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(Error::config(format!(
                "max attempts must be between 1 and {MAX_ATTEMPTS}, not {}",
                self.max_attempts
            )));
        }
        if self.user_agent.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
            return Err(Error::config("the user agent must be printable ASCII"));
        }
        let proxy = proxy::resolve(&self.proxy, &endpoint)?;
        let roots = self.tls_roots.load()?;

        let tls = connection::client_config(crypto_provider(), roots)
            .map_err(|e| Error::config_with("cannot set up TLS", e))?;
        let pool = self.connections;
        let agent_config = ureq::Agent::config_builder()
            // 4xx/5xx carry the error body we parse; they are data, not failures.
            .http_status_as_error(false)
            // Never follow redirects: the credentials must not reach another host.
            .max_redirects(0)
            .save_redirect_history(false)
            // ureq reads proxy variables on its own (ALL_PROXY first); only
            // the proxy chosen here is used.
            .proxy(proxy.as_ref().map(ProxyUrl::to_ureq).transpose()?)
            .max_idle_connections(pool.idle_per_host.max(10))
            .max_idle_connections_per_host(pool.idle_per_host)
            .max_idle_age(pool.idle_timeout)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .user_agent(self.user_agent.as_str())
            .accept("application/json")
            .max_response_header_size(MAX_RESPONSE_HEADER_SIZE)
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            connection::connector(tls.clone(), Watch::new(pool.dead_timeout)),
            LiteralFirst::default(),
        );

        Ok(Config {
            inner: Arc::new(Inner {
                endpoint_url: endpoint.base_url(),
                proxy_shown: proxy.as_ref().map(ToString::to_string),
                endpoint,
                credentials: self.credentials,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                body_cap: self.body_cap,
                user_agent: self.user_agent,
                tls_roots: self.tls_roots,
                proxy,
                max_attempts: self.max_attempts,
                connections: pool,
                agent,
                tls,
                clock: GatewayClock::default(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Credentials {
        Credentials::token("T0KEN-MARKER")
    }

    #[test]
    fn switches_accept_the_usual_words_and_refuse_the_rest() {
        for on in ["1", "true", "TRUE", "Yes", "on", " on "] {
            assert!(switch("X", Some(on.into())).unwrap(), "{on}");
        }
        for off in ["0", "false", "No", "OFF"] {
            assert!(!switch("X", Some(off.into())).unwrap(), "{off}");
        }
        assert!(!switch("X", None).unwrap());
        let e = switch("HWSMS_SYSTEM_ROOTS", Some("enabled".into()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("HWSMS_SYSTEM_ROOTS") && e.contains("enabled"),
            "{e}"
        );
    }

    #[test]
    fn defaults() {
        let c = Config::builder("https://sms.example.com", token())
            .build()
            .unwrap();
        assert_eq!(c.connect_timeout(), Duration::from_secs(10));
        assert_eq!(c.timeout(), Duration::from_secs(30));
        assert_eq!(c.body_cap(), 1024 * 1024);
        assert_eq!(c.max_attempts(), 3);
        assert_eq!(c.user_agent(), DEFAULT_USER_AGENT);
        assert_eq!(c.tls_roots(), &TlsRoots::WebPki);
        assert_eq!(c.proxy(), None);
        assert_eq!(c.clock_skew_secs(), 0);
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("T0KEN-MARKER") && dbg.contains("sms.example.com"),
            "{dbg}"
        );
    }

    #[test]
    fn invalid_settings_are_config_errors() {
        let b = || Config::builder("https://sms.example.com", token());
        for r in [
            b().timeout(Duration::ZERO).build(),
            b().connect_timeout(Duration::ZERO).build(),
            b().body_cap(0).build(),
            b().max_attempts(0).build(),
            b().max_attempts(MAX_ATTEMPTS + 1).build(),
            b().user_agent("a\nb").build(),
            b().ca_pem(b"not pem".to_vec()).build(),
            Config::builder("http://sms.example.com", token()).build(),
            Config::for_region("nowhere-1", token()).build(),
            Config::builder("https://sms.example.com", Credentials::token("")).build(),
        ] {
            assert!(matches!(r, Err(Error::Config(_))), "{r:?}");
        }
        assert!(b().max_attempts(MAX_ATTEMPTS).build().is_ok());
    }

    #[test]
    fn region_builds() {
        let c = Config::for_region("ap-southeast-3", token())
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "https://sms.ap-southeast-3.myhuaweicloud.com");
    }
}
