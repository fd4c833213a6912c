//! [`ConfigBuilder`]: every setting with its default, validated once at
//! [`build`](ConfigBuilder::build).

use std::sync::Arc;
use std::time::Duration;

use super::endpoint::{Endpoint, authority_url};
use super::proxy::{self, ProxyChoice, ProxyUrl};
use super::region;
use super::tls_roots::TlsRoots;
use super::{Config, Connections, DEFAULT_USER_AGENT, Inner};
use crate::auth::CredentialsBuilder;
use crate::auth::clock::{GatewayClock, host_now};
use crate::auth::credentials::{Credentials, Kind};
use crate::auth::fixed::within;
use crate::auth::iam::IamSource;
use crate::auth::keeper::{Keeper, Source};
use crate::error::Error;
use crate::limits::{
    DEFAULT_ATTEMPTS, DEFAULT_BODY_CAP, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, MAX_ATTEMPTS,
    MAX_DURATION, MAX_RESPONSE_HEADER_SIZE, MAX_USER_AGENT_LEN,
};
use crate::transport::connection::connector;
use crate::transport::resolver::LiteralFirst;
use crate::transport::tls;
use crate::transport::watch::Watch;

/// Builds a [`Config`]; every setter has a default, documented on it.
#[derive(Debug, Clone)]
#[must_use]
pub struct ConfigBuilder {
    endpoint: Option<String>,
    region: Option<String>,
    pub(super) credentials: CredentialsBuilder,
    /// Why [`env`](Self::env) could not take the environment.
    pub(super) env_error: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    body_cap: usize,
    user_agent: String,
    tls_roots: TlsRoots,
    proxy: ProxyChoice,
    max_attempts: u32,
    connections: Connections,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        ConfigBuilder::new()
    }
}

impl ConfigBuilder {
    /// An empty builder: set the [`endpoint`](Self::endpoint) or the
    /// [`region`](Self::region), and the [`credentials`](Self::credentials).
    /// [`Config::builder`] and [`Config::for_region`] start with them set.
    pub fn new() -> Self {
        ConfigBuilder {
            endpoint: None,
            region: None,
            credentials: CredentialsBuilder::new(),
            env_error: None,
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

    /// Where to send requests: the SMS endpoint URL, `https://host[:port]`
    /// (`http://` only for loopback hosts). Replaces a
    /// [`region`](Self::region) set before: of the two, the last set wins
    /// (so flags set after [`env`](Self::env) override the environment).
    ///
    /// Defaults to none: an endpoint or a region is required.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self.region = None;
        self
    }

    /// Where to send requests: a region id (e.g. `cn-north-4`), resolved
    /// through the official SDK's table and the
    /// `HUAWEICLOUD_SDK_REGION_SMS_<ID>` override. Replaces an
    /// [`endpoint`](Self::endpoint) set before: of the two, the last set
    /// wins.
    ///
    /// Defaults to none: an endpoint or a region is required.
    pub fn region(mut self, id: impl Into<String>) -> Self {
        self.region = Some(id.into());
        self.endpoint = None;
        self
    }

    /// True when an [`endpoint`](Self::endpoint) or a
    /// [`region`](Self::region) is set (by a setter or the environment):
    /// where to send requests is known.
    pub fn has_target(&self) -> bool {
        self.endpoint.is_some() || self.region.is_some()
    }

    /// How requests are authenticated.
    ///
    /// Defaults to none: credentials are required.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = CredentialsBuilder::new().source(credentials);
        self
    }

    /// How requests are authenticated, gathered setting by setting: `edit`
    /// gets the credential settings made so far and returns them changed
    /// (see [`CredentialsBuilder`] for which win).
    ///
    /// ```
    /// use hwsms::config::ConfigBuilder;
    ///
    /// let config = ConfigBuilder::new()
    ///     .endpoint("https://sms.ap-southeast-3.myhuaweicloud.com")
    ///     .credentials_with(|c| c.ak_sk("HPUA...", "secret").project_id("0a1b..."))
    ///     .build()?;
    /// assert!(config.credentials().as_ak_sk().is_some());
    /// # Ok::<_, hwsms::Error>(())
    /// ```
    pub fn credentials_with(
        mut self,
        edit: impl FnOnce(CredentialsBuilder) -> CredentialsBuilder,
    ) -> Self {
        self.credentials = edit(self.credentials);
        self
    }

    /// Time allowed to establish a connection (DNS, TCP, proxy tunnel, TLS).
    /// Between 1 ns and a day.
    ///
    /// Defaults to 10 s.
    pub fn connect_timeout(mut self, v: Duration) -> Self {
        self.connect_timeout = v;
        self
    }

    /// Deadline for a whole [`fetch_command`](crate::fetch_command) call: every
    /// attempt, backoff and body read must finish within it. Waits for an
    /// answer are made of 250 ms slices, so a call ends within a few
    /// milliseconds of it (a socket timeout alone can fire up to an eighth
    /// late). Between 1 ns and a day.
    ///
    /// Defaults to 30 s.
    pub fn timeout(mut self, v: Duration) -> Self {
        self.timeout = v;
        self
    }

    /// Largest response body read, in bytes; a larger body is an error and is
    /// not read past the cap. Memory is reserved as bytes arrive (at most
    /// 64 KiB ahead), whatever `Content-Length` claims. `usize::MAX` means no
    /// cap.
    ///
    /// Defaults to 1 MiB.
    pub fn body_cap(mut self, v: usize) -> Self {
        self.body_cap = v;
        self
    }

    /// The `User-Agent` header: printable ASCII, at most 1024 bytes.
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
    /// (dropped silently by a NAT or firewall).
    ///
    /// Only a connection that sat idle at least this long is watched (one
    /// that answered moments ago is alive, however slow), and the bound
    /// grows to twice the slowest answer seen lately, so a slow server is
    /// not taken for dead. A dead connection's request is resent at once on
    /// a fresh connection, within the same deadline, when sending it twice
    /// cannot double an effect (both ShowCommand and result reports qualify);
    /// every connection pooled before that moment is discarded. Requests on
    /// fresh connections are not affected: they wait up to
    /// [`timeout`](Self::timeout). At most a day.
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
        if let Some(why) = &self.env_error {
            return Err(Error::config(why.clone()));
        }
        // Both missing is said at once: someone starting from nothing learns
        // everything they still have to set.
        let (endpoint, credentials) = match (self.target(), self.credentials.build()) {
            (Ok(endpoint), Ok(credentials)) => (endpoint, credentials),
            (Err(Error::Config(t)), Err(Error::Config(c))) => {
                return Err(Error::config(format!("{}; {}", t.message(), c.message())));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        credentials.validate()?;
        let keeper = Keeper::new(self.credential_source(&credentials)?, host_now())?;
        let host_header = ureq::http::HeaderValue::from_str(&endpoint.authority)
            .map_err(|e| Error::config_with("the endpoint cannot be a Host header", e))?;
        self.check_numbers()?;
        let proxy = proxy::resolve(&self.proxy, &endpoint)?;
        let roots = self.tls_roots.load()?;
        let tls = tls::client_config(tls::crypto_provider(), roots)
            .map_err(|e| Error::config_with("cannot set up TLS", e))?;
        let agent = self.agent(proxy.as_ref(), tls.clone())?;
        Ok(Config {
            inner: Arc::new(Inner {
                endpoint_url: endpoint.base_url(),
                endpoint_name: format!("{}:{}", endpoint.host, endpoint.port),
                proxy_shown: proxy.as_ref().map(ToString::to_string),
                endpoint,
                credentials,
                keeper,
                host_header,
                last_uri: std::sync::Mutex::default(),
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                body_cap: self.body_cap,
                user_agent: self.user_agent,
                tls_roots: self.tls_roots,
                proxy,
                max_attempts: self.max_attempts,
                connections: self.connections,
                agent,
                tls,
                clock: GatewayClock::default(),
            }),
        })
    }

    /// The endpoint: the one set, else the region's.
    fn target(&self) -> Result<Endpoint, Error> {
        let url = match (&self.endpoint, &self.region) {
            (Some(url), _) => url.clone(),
            (None, Some(id)) => region::endpoint_for(id)?,
            (None, None) => {
                return Err(Error::config(
                    "set an endpoint or a region (in the environment: HWSMS_ENDPOINT or \
                     HUAWEICLOUD_SDK_REGION)",
                ));
            }
        };
        Endpoint::parse(&url)
    }

    /// Where the keeper gets `credentials` from, with the authorities'
    /// addresses checked (and IAM's derived from the region when not given).
    fn credential_source(&self, credentials: &Credentials) -> Result<Source, Error> {
        Ok(match &credentials.0 {
            Kind::Fixed(f) => Source::Fixed(f.clone()),
            Kind::File(f) => Source::File(f.clone()),
            Kind::Iam(password) => {
                let url = match (&password.auth_url, &self.region) {
                    (Some(url), _) => url.clone(),
                    (None, Some(region)) => format!("https://iam.{region}.myhuaweicloud.com/v3"),
                    (None, None) => {
                        return Err(Error::config(
                            "the IAM endpoint is unknown: set OS_AUTH_URL (IamPassword::auth_url), \
                             or give a region rather than an endpoint URL",
                        ));
                    }
                };
                Source::Iam(IamSource {
                    password: password.clone(),
                    auth_url: authority_url(&url, "the IAM URL (OS_AUTH_URL)", false)?,
                })
            }
            Kind::Metadata(m) => {
                let mut m = m.clone();
                m.endpoint = authority_url(
                    &m.endpoint,
                    "the metadata endpoint (HWSMS_METADATA_ENDPOINT)",
                    true,
                )?;
                Source::Metadata(m)
            }
            Kind::Custom(c) => Source::Custom(c.clone()),
        })
    }

    /// Every number and plain-text setting within its range.
    fn check_numbers(&self) -> Result<(), Error> {
        let durations = [
            ("the timeout", self.timeout, false),
            ("the connect timeout", self.connect_timeout, false),
            (
                "the dead-connection timeout",
                self.connections.dead_timeout,
                false,
            ),
            (
                "the idle-connection timeout",
                self.connections.idle_timeout,
                true,
            ),
        ];
        for (what, d, zero_ok) in durations {
            duration_in_range(what, d, zero_ok)?;
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
        within("the user agent", self.user_agent.len(), MAX_USER_AGENT_LEN)
    }

    /// The ureq agent: hwsms's connector chain, resolver and settings.
    fn agent(
        &self,
        proxy: Option<&ProxyUrl>,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<ureq::Agent, Error> {
        let pool = self.connections;
        let agent_config = ureq::Agent::config_builder()
            // 4xx/5xx carry the error body we parse; they are data, not failures.
            .http_status_as_error(false)
            // Never follow redirects: the credentials must not reach another host.
            .max_redirects(0)
            .save_redirect_history(false)
            // ureq reads proxy variables on its own (ALL_PROXY first); only
            // the proxy chosen here is used.
            .proxy(proxy.map(ProxyUrl::to_ureq).transpose()?)
            .max_idle_connections(pool.idle_per_host.max(10))
            .max_idle_connections_per_host(pool.idle_per_host)
            .max_idle_age(pool.idle_timeout)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .user_agent(self.user_agent.as_str())
            .accept("application/json")
            .max_response_header_size(MAX_RESPONSE_HEADER_SIZE)
            .build();
        Ok(ureq::Agent::with_parts(
            agent_config,
            connector(tls, Watch::new(pool.dead_timeout)),
            LiteralFirst::default(),
        ))
    }
}

/// Refuses a duration of zero (unless `zero_ok`) or beyond
/// [`MAX_DURATION`], naming the setting.
pub(crate) fn duration_in_range(what: &str, d: Duration, zero_ok: bool) -> Result<(), Error> {
    if d.is_zero() && !zero_ok {
        return Err(Error::config(format!("{what} must be greater than zero")));
    }
    if d > MAX_DURATION {
        return Err(Error::config(format!(
            "{what} ({d:?}) is longer than the longest accepted, {MAX_DURATION:?}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Credentials {
        Credentials::token("T0KEN-MARKER")
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
            b().user_agent("u".repeat(MAX_USER_AGENT_LEN + 1)).build(),
            b().timeout(Duration::MAX).build(),
            b().connect_timeout(Duration::MAX).build(),
            b().dead_connection_timeout(Duration::ZERO).build(),
            b().idle_connection_timeout(MAX_DURATION + Duration::from_secs(1))
                .build(),
            b().ca_pem(b"not pem".to_vec()).build(),
            Config::builder("http://sms.example.com", token()).build(),
            Config::for_region("nowhere-1", token()).build(),
            Config::builder("https://sms.example.com", Credentials::token("")).build(),
            ConfigBuilder::new().credentials(token()).build(),
            ConfigBuilder::new()
                .endpoint("https://sms.example.com")
                .build(),
        ] {
            assert!(matches!(r, Err(Error::Config(_))), "{r:?}");
        }
        assert!(b().max_attempts(MAX_ATTEMPTS).build().is_ok());
        assert!(b().timeout(MAX_DURATION).build().is_ok());
        assert!(b().idle_connection_timeout(Duration::ZERO).build().is_ok());
        let e = b().timeout(Duration::MAX).build().unwrap_err().to_string();
        assert!(
            e.contains("the timeout") && e.contains("longest accepted"),
            "{e}"
        );
        let e = b()
            .user_agent("u".repeat(2000))
            .build()
            .unwrap_err()
            .to_string();
        assert!(e.contains("the user agent is 2000 bytes"), "{e}");
    }

    #[test]
    fn the_last_of_endpoint_and_region_wins() {
        let c = ConfigBuilder::new()
            .region("ap-southeast-3")
            .endpoint("https://sms.example.com")
            .credentials(token())
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "https://sms.example.com");
        let c = ConfigBuilder::new()
            .endpoint("https://sms.example.com")
            .region("ap-southeast-3")
            .credentials(token())
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "https://sms.ap-southeast-3.myhuaweicloud.com");
        let e = ConfigBuilder::new()
            .credentials(token())
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("set an endpoint or a region"), "{e}");
    }

    #[test]
    fn region_builds() {
        let c = Config::for_region("ap-southeast-3", token())
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "https://sms.ap-southeast-3.myhuaweicloud.com");
    }
}
