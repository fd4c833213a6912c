//! [`Config`]: everything a call needs, built once and shared, and what it
//! is built from: the endpoint or region, the proxy, the trust roots and the
//! environment.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::clock::GatewayClock;
use crate::auth::credentials::Credentials;
use crate::auth::keeper::Keeper;
use crate::limits::{
    DEFAULT_DEAD_CONNECTION_TIMEOUT, DEFAULT_IDLE_CONNECTION_TIMEOUT,
    DEFAULT_IDLE_CONNECTIONS_PER_HOST,
};

mod builder;
pub(crate) mod endpoint;
mod env;
pub(crate) mod proxy;
pub mod region;
pub(crate) mod tls_roots;

pub use builder::ConfigBuilder;
pub(crate) use builder::duration_in_range;
pub use proxy::{ProxyChoice, no_proxy_matches};
pub use tls_roots::{SYSTEM_BUNDLE_PATHS, TlsRoots};

use endpoint::Endpoint;
use proxy::ProxyUrl;

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
    /// `host:port`, as errors name the endpoint, computed once.
    endpoint_name: String,
    /// `endpoint`'s base URL, computed once.
    endpoint_url: String,
    /// The proxy as shown to people (password redacted), computed once.
    proxy_shown: Option<String>,
    credentials: Credentials,
    /// The credentials in use, renewed from their source.
    keeper: Keeper,
    /// The `Host` header value, made once.
    host_header: ureq::http::HeaderValue,
    /// The last request URI parsed: a poller asks for the same path every
    /// time, and parsing it is a sizeable part of what hwsms adds to a call.
    last_uri: std::sync::Mutex<Option<ureq::http::Uri>>,
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
pub(crate) struct Connections {
    pub(crate) idle_per_host: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) dead_timeout: Duration,
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
        ConfigBuilder::new()
            .endpoint(endpoint)
            .credentials(credentials)
    }

    /// Starts a builder for a region id (e.g. `cn-north-4`), resolved through
    /// the official SDK's table and the `HUAWEICLOUD_SDK_REGION_SMS_<ID>` override.
    pub fn for_region(region_id: impl Into<String>, credentials: Credentials) -> ConfigBuilder {
        ConfigBuilder::new()
            .region(region_id)
            .credentials(credentials)
    }

    /// The endpoint base URL, e.g. `https://sms.cn-north-4.myhuaweicloud.com`.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint_url
    }
    /// The credentials, as given: fixed ones, or the source they are
    /// renewed from.
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
    /// The endpoint as `host:port`, the way errors name it.
    pub(crate) fn endpoint_name(&self) -> &str {
        &self.inner.endpoint_name
    }
    pub(crate) fn keeper(&self) -> &Keeper {
        &self.inner.keeper
    }
    /// How many times the credentials were renewed from their source (0 for
    /// fixed ones): for monitoring, and to check that renewals stay rare.
    pub fn credential_renewals(&self) -> u64 {
        self.inner.keeper.renewals()
    }
    pub(crate) fn host_header(&self) -> &ureq::http::HeaderValue {
        &self.inner.host_header
    }
    /// The request URI for `path` (e.g. `/v3/sources/{id}/command`): the
    /// endpoint's base URL and the path, parsed once per path in a row.
    ///
    /// # Errors
    ///
    /// A path that makes no URI (hwsms's own paths always do).
    pub(crate) fn uri(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<ureq::http::Uri, ureq::http::uri::InvalidUri> {
        if !query.is_empty() {
            // Encoded as it is signed, so the gateway reads what was signed.
            let query = crate::auth::signer::canonical_query_string(query);
            return [self.endpoint(), path, "?", &query].concat().parse();
        }
        let mut last = self
            .inner
            .last_uri
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(uri) = last
            .as_ref()
            .filter(|u| u.path() == path && u.query().is_none())
        {
            return Ok(uri.clone());
        }
        let uri: ureq::http::Uri = [self.endpoint(), path].concat().parse()?;
        *last = Some(uri.clone());
        Ok(uri)
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
    /// Every secret a message could echo: token, SK, security token, IAM
    /// password, proxy password.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets = self.inner.keeper.secrets();
        secrets.extend(
            self.inner
                .credentials
                .secrets()
                .iter()
                .map(|s| s.to_string()),
        );
        if let Some(pw) = self.proxy_url().and_then(|p| p.password.as_deref()) {
            secrets.push(pw.to_string());
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
