//! `diagnose`: walks the path from this host to SMS step by step (config,
//! DNS, proxy, TCP, TLS, clock, authentication, the command) and says which
//! step fails and what to do, for operators of locked-down hosts.

use std::fmt::{self, Write as _};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

use crate::clock::{host_now, parse_http_date};
use crate::config::{Config, crypto_provider};
use crate::credentials::Kind;
use crate::error::{Error, Route};
use crate::fetch::fetch_command;
use crate::proxy::ProxyUrl;
use crate::redact::scrub;
use crate::resolver::LiteralFirst;
use crate::server_id::ServerId;
use crate::tls_roots::TlsRoots;
use crate::x509::summarize;
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, LazyBuffers, NextTimeout, Transport, TransportAdapter,
};

/// Skew beyond which the clock step warns.
const CLOCK_WARN_SECS: i64 = 60;
/// Largest response head read by the unauthenticated clock request.
const MAX_HEAD: usize = 16 * 1024;
/// The id used for the authentication step when no server id is given.
const PLACEHOLDER_ID: &str = "00000000-0000-0000-0000-000000000000";

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// The step works.
    Pass,
    /// The step works, but something should be fixed.
    Warn,
    /// The step fails; the steps after it are skipped.
    Fail,
    /// The step did not run (not needed, or an earlier step failed).
    Skip,
}

impl StepStatus {
    /// `pass`, `warn`, `fail` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pass => "pass",
            StepStatus::Warn => "warn",
            StepStatus::Fail => "fail",
            StepStatus::Skip => "skip",
        }
    }
}

/// One step of a [`Diagnosis`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    name: &'static str,
    status: StepStatus,
    detail: String,
}

impl Step {
    /// The step's name: `config`, `dns`, `proxy`, `tcp`, `tls`, `clock`,
    /// `auth` or `command`.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// How it ended.
    pub fn status(&self) -> StepStatus {
        self.status
    }
    /// What was found, for an operator (never a secret).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// The names of the steps, in the order they run.
pub const STEP_NAMES: [&str; 8] = [
    "config", "dns", "proxy", "tcp", "tls", "clock", "auth", "command",
];

/// The result of [`diagnose`]: every step, in order, and the clock skew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    steps: Vec<Step>,
    clock_skew_secs: Option<i64>,
}

impl Diagnosis {
    /// The eight steps, in [`STEP_NAMES`] order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
    /// The step called `name`.
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
    /// True when no step failed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.steps.iter().all(|s| s.status != StepStatus::Fail)
    }
    /// Gateway clock minus this host's, in seconds, from the gateway's
    /// `Date` header; `None` when it could not be measured.
    pub fn clock_skew_secs(&self) -> Option<i64> {
        self.clock_skew_secs
    }

    /// The diagnosis of a configuration that could not be built: the
    /// `config` step fails with `error`, every other step is skipped.
    pub fn config_failed(error: &Error) -> Diagnosis {
        let mut d = Walk::default();
        d.fail("config", error.to_string());
        d.finish()
    }

    /// One JSON line: `{"ok":bool,"clock_skew_secs":number|null,"steps":[{"name","status","detail"},…]}`,
    /// keys in that order.
    pub fn to_json(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let skew = self
            .clock_skew_secs
            .map_or_else(|| "null".to_string(), |s| s.to_string());
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|s| {
                format!(
                    r#"{{"name":{},"status":{},"detail":{}}}"#,
                    q(s.name),
                    q(s.status.as_str()),
                    q(&s.detail)
                )
            })
            .collect();
        format!(
            r#"{{"ok":{},"clock_skew_secs":{skew},"steps":[{}]}}"#,
            self.ok(),
            steps.join(",")
        )
    }
}

impl fmt::Display for Diagnosis {
    /// A checklist, one line per step: `[pass] tls: TLS 1.3, …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            writeln!(f, "[{}] {}: {}", s.status.as_str(), s.name, s.detail)?;
        }
        Ok(())
    }
}

/// Collects steps; after a failure, the remaining ones are skipped.
#[derive(Default)]
struct Walk {
    steps: Vec<Step>,
    failed: Option<&'static str>,
    clock_skew_secs: Option<i64>,
}

impl Walk {
    fn push(&mut self, name: &'static str, status: StepStatus, detail: String) {
        if status == StepStatus::Fail {
            self.failed = Some(name);
        }
        self.steps.push(Step {
            name,
            status,
            detail,
        });
    }
    fn pass(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Pass, detail);
    }
    fn warn(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Warn, detail);
    }
    fn fail(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Fail, detail);
    }
    fn skip(&mut self, name: &'static str, detail: String) {
        self.push(name, StepStatus::Skip, detail);
    }
    /// Every step in [`STEP_NAMES`] order; those that did not run are skipped.
    fn finish(mut self) -> Diagnosis {
        let why = match self.failed {
            Some(failed) => format!("skipped: the {failed} step failed"),
            None => "skipped".to_string(),
        };
        let mut steps = Vec::with_capacity(STEP_NAMES.len());
        for name in STEP_NAMES {
            match self.steps.iter().position(|s| s.name == name) {
                Some(at) => steps.push(self.steps.swap_remove(at)),
                None => steps.push(Step {
                    name,
                    status: StepStatus::Skip,
                    detail: why.clone(),
                }),
            }
        }
        Diagnosis {
            steps,
            clock_skew_secs: self.clock_skew_secs,
        }
    }
}

/// Walks the path to SMS for `server_id` (or, with `None`, up to the
/// authentication step) and reports each step; never returns a secret.
///
/// The steps: `config` (endpoint, credential kind, proxy, trust roots),
/// `dns` (the proxy's host when there is one, else the endpoint's), `proxy`
/// (a CONNECT tunnel; skipped without a proxy), `tcp`, `tls` (protocol,
/// cipher, the server certificate and the trust source, or why it was
/// rejected), `clock` (the gateway's `Date` against this host's clock),
/// `auth` and `command` (the real ShowCommand call). Steps after a failed
/// one are skipped. Each network step is bounded by the config's timeouts.
///
/// ```no_run
/// let config = hwsms::Config::from_env()?;
/// let diagnosis = hwsms::diagnose(&config, Some("f32ab4d6-d150-4fb3-aa55-edbb5cf9947f"));
/// eprint!("{diagnosis}");            // [pass] dns: …
/// println!("{}", diagnosis.to_json());
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn diagnose(config: &Config, server_id: Option<&str>) -> Diagnosis {
    let mut walk = Walk::default();
    let secrets = config.secrets();
    let clean = |mut s: String| {
        scrub(&mut s, &secrets);
        s
    };
    let endpoint = config.endpoint_ref();
    let endpoint_name = format!("{}:{}", endpoint.host, endpoint.port);

    // config
    if let Some(Err(e)) = server_id.map(ServerId::parse) {
        walk.fail("config", format!("invalid server id: {e}"));
        return walk.finish();
    }
    walk.pass("config", describe_config(config));

    // dns
    let proxy = config.proxy_url();
    let (host, port) = match proxy {
        Some(p) => (p.host.as_str(), p.port),
        None => (endpoint.bare_host(), endpoint.port),
    };
    let whom = if proxy.is_some() {
        "the proxy"
    } else {
        "the endpoint"
    };
    let addrs = match resolve(config, host, port, config.connect_timeout()) {
        Resolved::Literal(addr) => {
            walk.pass(
                "dns",
                format!("{host} is an IP address ({whom}): nothing to look up"),
            );
            vec![addr]
        }
        Resolved::Names(addrs) => {
            let shown: Vec<String> = addrs.iter().take(4).map(|a| a.ip().to_string()).collect();
            walk.pass(
                "dns",
                format!("{host} ({whom}) resolves to {}", shown.join(", ")),
            );
            addrs
        }
        Resolved::Failed(why) => {
            walk.fail(
                "dns",
                format!(
                    "{host} ({whom}) does not resolve ({why}); check the name and this host's DNS \
                     (/etc/resolv.conf), or use an IP address"
                ),
            );
            return walk.finish();
        }
    };

    // proxy, tcp
    let started = Instant::now();
    let tcp = match connect(&addrs, config.connect_timeout()) {
        Ok(s) => s,
        Err(e) => {
            let detail = format!("{}: {}", addrs[0], connect_error(&e));
            match proxy {
                Some(p) => walk.fail(
                    "proxy",
                    format!("cannot reach the proxy {p} ({detail}); is the proxy address right?"),
                ),
                None => {
                    walk.skip("proxy", "no proxy configured: connecting directly".into());
                    walk.fail(
                        "tcp",
                        format!(
                            "cannot connect to {endpoint_name} ({detail}); check firewalls and \
                             egress rules for port {} (SMS.0303)",
                            endpoint.port
                        ),
                    );
                }
            }
            return walk.finish();
        }
    };
    let _ = tcp.set_read_timeout(Some(config.connect_timeout()));
    let _ = tcp.set_write_timeout(Some(config.connect_timeout()));
    let mut tcp = tcp;
    match proxy {
        None => {
            walk.skip("proxy", "no proxy configured: connecting directly".into());
            walk.pass(
                "tcp",
                format!(
                    "connected to {} in {} ms",
                    tcp.peer_addr()
                        .map_or(endpoint_name.clone(), |a| a.to_string()),
                    started.elapsed().as_millis() as u64
                ),
            );
        }
        Some(p) => match open_tunnel(&mut tcp, p, &endpoint_name) {
            Ok(()) => {
                walk.pass(
                    "proxy",
                    format!("the proxy {p} opened a tunnel to {endpoint_name}"),
                );
                walk.pass(
                    "tcp",
                    format!("connected to {endpoint_name} through the proxy tunnel"),
                );
            }
            Err(why) => {
                walk.fail("proxy", clean(why));
                return walk.finish();
            }
        },
    }

    // tls, clock
    let sock = wire(tcp, config.connect_timeout());
    let reconnect = || {
        let mut tcp = connect(&addrs, config.connect_timeout()).ok()?;
        if let Some(p) = proxy {
            open_tunnel(&mut tcp, p, &endpoint_name).ok()?;
        }
        Some(wire(tcp, config.connect_timeout()))
    };
    let skew = if endpoint.is_tls() {
        match tls_step(config, sock, &route(config, &endpoint_name), &reconnect) {
            Ok((detail, stream)) => {
                walk.pass("tls", detail);
                clock_request(stream, &endpoint.authority)
            }
            Err(detail) => {
                walk.fail("tls", clean(detail));
                return walk.finish();
            }
        }
    } else {
        walk.skip("tls", "plain http (a loopback endpoint): no TLS".into());
        clock_request(Box::new(sock), &endpoint.authority)
    };
    match skew {
        Some(skew) => {
            walk.clock_skew_secs = Some(skew);
            let (amount, dir) = if skew >= 0 {
                (skew, "behind")
            } else {
                (-skew, "ahead of")
            };
            if skew.abs() <= CLOCK_WARN_SECS {
                walk.pass(
                    "clock",
                    format!("this host's clock is {amount} s {dir} the gateway's"),
                );
            } else {
                walk.warn(
                    "clock",
                    format!(
                        "this host's clock is {amount} s {dir} the gateway's; AK/SK signing still \
                         works (hwsms dates signatures with the gateway's clock), but fix the \
                         host clock (NTP): SMS reports this as SMS.0205"
                    ),
                );
            }
        }
        None => walk.warn(
            "clock",
            "the gateway sent no Date header: the clock skew is unknown".into(),
        ),
    }

    // auth, command
    let id = server_id.unwrap_or(PLACEHOLDER_ID);
    match fetch_command(config, id) {
        Ok(response) => {
            walk.pass(
                "auth",
                format!("authenticated with {}", credential_kind(config)),
            );
            let detail = match (server_id, response.command()) {
                (None, _) => {
                    walk.skip("command", "no server id given".into());
                    return walk.finish();
                }
                (Some(_), Ok(c)) => match c.name() {
                    Some(name) => format!(
                        "HTTP {}: command {name}{}",
                        response.status(),
                        c.task_id()
                            .map(|t| format!(", task {t}"))
                            .unwrap_or_default()
                    ),
                    None => format!("HTTP {}: nothing to do", response.status()),
                },
                (Some(_), Err(e)) => e.to_string(),
            };
            walk.pass("command", detail);
        }
        Err(Error::Api(api)) if api.status() == 401 => {
            let code = api.error_code().unwrap_or("-");
            let meaning = if api.is_signature_expired() {
                "the signature's date is too far from the gateway's clock (APIG.0303): fix the host clock"
            } else if code.starts_with("APIGW.0301") {
                "the AK/SK or token is wrong or expired (APIGW.0301)"
            } else {
                "the credentials were rejected"
            };
            walk.fail(
                "auth",
                format!(
                    "HTTP 401 {code}: {meaning}{}",
                    api.request_id()
                        .map(|r| format!(" (request id {r})"))
                        .unwrap_or_default()
                ),
            );
        }
        Err(Error::Api(api)) => {
            walk.pass(
                "auth",
                format!("authenticated with {}", credential_kind(config)),
            );
            let code = api.error_code().unwrap_or("-");
            let rid = api
                .request_id()
                .map(|r| format!(" (request id {r})"))
                .unwrap_or_default();
            let detail = match api.status() {
                403 => format!(
                    "HTTP 403 {code}: the credentials lack the IAM action sms:server:getCommand \
                     for this server or project{rid}"
                ),
                404 => format!(
                    "HTTP 404 {code}: no such server id in this region and project; check the id \
                     and the endpoint's region{rid}"
                ),
                s => format!("HTTP {s} {code}: {}{rid}", api.error_msg().unwrap_or("-")),
            };
            if server_id.is_none() && api.status() == 404 {
                walk.skip("command", "no server id given".into());
            } else {
                walk.fail("command", detail);
            }
        }
        Err(e) => walk.fail("auth", e.to_string()),
    }
    walk.finish()
}

fn route<'a>(config: &'a Config, endpoint_name: &'a str) -> Route<'a> {
    Route {
        endpoint: endpoint_name,
        proxy: config.proxy_url().map(|p| p as _),
    }
}

fn credential_kind(config: &Config) -> String {
    match &config.credentials().0 {
        Kind::Token(_) => "an IAM token (X-Auth-Token)".into(),
        Kind::AkSk(k) => {
            let scope = match (&k.project_id, &k.domain_id) {
                (Some(_), _) => "project scope",
                (None, Some(_)) => "domain scope",
                (None, None) => "no scope",
            };
            let temporary = if k.security_token.is_some() {
                ", temporary"
            } else {
                ""
            };
            let ak: String = k.ak.chars().take(4).collect();
            format!("AK/SK (AK {ak}…, {scope}{temporary})")
        }
    }
}

fn describe_config(config: &Config) -> String {
    let mut d = format!(
        "endpoint {}; credentials: {}; proxy: {}; trust: {}",
        config.endpoint(),
        credential_kind(config),
        config.proxy().unwrap_or("none (direct)"),
        trust_source(config.tls_roots())
    );
    let _ = write!(
        d,
        "; timeouts: connect {:?}, call {:?}",
        config.connect_timeout(),
        config.timeout()
    );
    d
}

fn trust_source(roots: &TlsRoots) -> String {
    match roots {
        TlsRoots::WebPki => "the built-in Mozilla roots (webpki-roots)".into(),
        TlsRoots::System => match crate::tls_roots::system_bundle() {
            Ok(path) => format!("the host's CA bundle {}", path.display()),
            Err(_) => "the host's CA bundle".into(),
        },
        TlsRoots::PemFile(p) => format!("the CA file {}", p.display()),
        TlsRoots::Pem(_) => "CA certificates given in memory".into(),
    }
}

enum Resolved {
    Literal(SocketAddr),
    Names(Vec<SocketAddr>),
    Failed(String),
}

/// Resolves as every call does (ureq's resolver, bounded by `limit`).
fn resolve(config: &Config, host: &str, port: u16, limit: Duration) -> Resolved {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Resolved::Literal(SocketAddr::new(ip, port));
    }
    let Ok(uri) = format!("http://{host}:{port}/").parse::<ureq::http::Uri>() else {
        return Resolved::Failed("not a host name".into());
    };
    let timeout = NextTimeout {
        after: UreqDuration::Exact(limit),
        reason: ureq::Timeout::Resolve,
        per_read: None,
        per_write: None,
    };
    match LiteralFirst::default().resolve(&uri, config.agent().config(), timeout) {
        Ok(addrs) if !addrs.is_empty() => Resolved::Names(addrs.iter().copied().collect()),
        Ok(_) => Resolved::Failed("no addresses".into()),
        Err(ureq::Error::Timeout(_)) => Resolved::Failed(format!("no answer within {limit:?}")),
        Err(ureq::Error::HostNotFound) => Resolved::Failed("host not found".into()),
        Err(e) => Resolved::Failed(e.to_string()),
    }
}

fn connect(addrs: &[SocketAddr], limit: Duration) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in addrs.iter().take(4) {
        match TcpStream::connect_timeout(addr, limit) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address")))
}

fn connect_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            "no answer in time: a firewall may drop the packets".into()
        }
        _ => e.to_string(),
    }
}

/// Opens a CONNECT tunnel through the proxy on `tcp`.
fn open_tunnel(tcp: &mut TcpStream, proxy: &ProxyUrl, target: &str) -> Result<(), String> {
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(user) = &proxy.username {
        let pass = proxy.password.as_deref().unwrap_or_default();
        let _ = write!(
            request,
            "Proxy-Authorization: Basic {}\r\n",
            base64(format!("{user}:{pass}").as_bytes())
        );
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())
        .map_err(|e| format!("the proxy {proxy} dropped the connection ({e})"))?;
    let head = read_head(|b| tcp.read(b))
        .map_err(|e| format!("the proxy {proxy} did not answer ({e})"))?;
    let status_line = head.lines().next().unwrap_or_default().to_string();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match status {
        200..=299 => Ok(()),
        // tinyproxy answers a failed login with 401, not 407.
        401 | 407 => Err(format!(
            "the proxy {proxy} requires authentication or rejected the credentials \
             ({status_line}); check the user and password in the proxy URL"
        )),
        403 => Err(format!(
            "the proxy {proxy} blocks the tunnel to {target} ({status_line}); ask for {target} \
             to be allowed"
        )),
        _ => Err(format!(
            "the proxy {proxy} would not open a tunnel to {target} ({status_line})"
        )),
    }
}

/// Reads a response head (up to the blank line), bounded, through `recv`.
fn read_head(mut recv: impl FnMut(&mut [u8]) -> std::io::Result<usize>) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(std::io::Error::other("response head too large"));
        }
        match recv(&mut byte)? {
            0 if head.is_empty() => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            0 => break,
            _ => head.push(byte[0]),
        }
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// A byte stream the clock request can use: TCP or TLS over TCP. Only the
/// two methods it needs, so each stream type adds two functions, not the
/// whole of `Read` and `Write`.
trait Wire {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
}

impl<T: Read + Write> Wire for T {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_all(bytes)?;
        self.flush()
    }
    fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read(buf)
    }
}

/// Handshakes and describes the connection; on failure, says why.
/// Wraps the connection in ureq's own transport types, the ones the
/// request path uses, so the TLS code below is the same machine code as
/// every call's (the C library stays small).
fn wire(tcp: TcpStream, limit: Duration) -> TransportAdapter {
    let transport = PlainTcp {
        stream: tcp,
        buffers: LazyBuffers::new(16 * 1024, 16 * 1024),
    };
    let mut sock = TransportAdapter::new(transport.boxed(), Arc::new(UreqInstant::now));
    sock.set_timeout(NextTimeout {
        after: UreqDuration::Exact(limit),
        reason: ureq::Timeout::Connect,
        per_read: None,
        per_write: None,
    });
    sock
}

/// A TCP stream as a ureq transport (ureq keeps its own private).
struct PlainTcp {
    stream: TcpStream,
    buffers: LazyBuffers,
}

impl fmt::Debug for PlainTcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainTcp")
    }
}

impl PlainTcp {
    fn limit(timeout: NextTimeout) -> Option<Duration> {
        match timeout.after {
            UreqDuration::Exact(d) => Some(d.max(Duration::from_millis(1))),
            UreqDuration::NotHappening => None,
        }
    }
}

impl Transport for PlainTcp {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.set_write_timeout(Self::limit(timeout))?;
        self.stream.write_all(&self.buffers.output()[..amount])?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.set_read_timeout(Self::limit(timeout))?;
        let n = self.stream.read(self.buffers.input_append_buf())?;
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        true
    }
}

/// Handshakes with the config's own TLS setup and describes the
/// connection; on failure, says why, and for a rejected certificate
/// reconnects once (through `reconnect`) to show which certificate it was.
fn tls_step(
    config: &Config,
    mut sock: TransportAdapter,
    route: &Route<'_>,
    reconnect: &dyn Fn() -> Option<TransportAdapter>,
) -> Result<(String, Box<dyn Wire>), String> {
    let endpoint = config.endpoint_ref();
    let name = ServerName::try_from(endpoint.bare_host().to_string())
        .map_err(|_| "the endpoint host is not a valid TLS server name".to_string())?;
    let tls = config.tls_client_config().clone();
    let mut conn = ClientConnection::new(tls, name.clone()).map_err(|e| e.to_string())?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            let tls_err = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            let mut detail = match tls_err {
                Some(t) => crate::error::tls(t, route).to_string(),
                None => format!("the handshake with {route} broke off ({e})"),
            };
            if matches!(tls_err, Some(rustls::Error::InvalidCertificate(_))) {
                if let Some(cert) = reconnect().and_then(|s| presented_cert(s, name)) {
                    let _ = write!(detail, "; the server showed {}", cert_words(&cert));
                }
            }
            if detail.contains("untrusted CA") {
                detail.push_str(
                    "; behind a TLS-inspecting proxy, trust its CA with --ca-file PEM or \
                     --system-roots",
                );
            }
            return Err(detail);
        }
    }
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
        _ => "TLS",
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|c| suite_name(c.suite()))
        .unwrap_or_default();
    let mut detail = format!("{version}, {cipher}");
    let cert = conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|c| summarize(c));
    if let Some(cert) = cert {
        let _ = write!(detail, ", {}", cert_words(&cert));
    }
    let _ = write!(
        detail,
        "; trusted through {}",
        trust_source(config.tls_roots())
    );
    Ok((detail, Box::new(rustls::StreamOwned::new(conn, sock))))
}

/// The certificate a server presents, read by a handshake that trusts
/// nothing and stops right after the certificate arrives.
fn presented_cert(
    mut sock: TransportAdapter,
    name: ServerName<'static>,
) -> Option<crate::x509::CertSummary> {
    let provider = crypto_provider();
    let recorder = Arc::new(RecordOnly {
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
        seen: Mutex::default(),
    });
    let tls = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let mut conn = ClientConnection::new(Arc::new(tls), name).ok()?;
    while conn.is_handshaking() && conn.complete_io(&mut sock).is_ok() {}
    let der = recorder.seen.lock().ok()?.clone()?;
    summarize(&der)
}

/// The suites hwsms offers, by name. (rustls's `Debug` would name all of
/// them, at the cost of a large table in the C library.)
fn suite_name(suite: rustls::CipherSuite) -> String {
    use rustls::CipherSuite::*;
    let name = match suite {
        TLS13_CHACHA20_POLY1305_SHA256 => "TLS13_CHACHA20_POLY1305_SHA256",
        TLS13_AES_256_GCM_SHA384 => "TLS13_AES_256_GCM_SHA384",
        TLS13_AES_128_GCM_SHA256 => "TLS13_AES_128_GCM_SHA256",
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        other => return format!("cipher suite 0x{:04x}", u16::from(other)),
    };
    name.to_string()
}

fn cert_words(c: &crate::x509::CertSummary) -> String {
    let mut w = format!(
        "certificate for {}",
        c.subject.as_deref().unwrap_or("(no common name)")
    );
    if !c.names.is_empty() {
        let _ = write!(w, " (SAN {})", c.names.join(", "));
    }
    if let Some(issuer) = &c.issuer {
        let _ = write!(w, ", issued by {issuer}");
    }
    if let Some(date) = &c.not_after {
        let _ = write!(w, ", valid until {date}");
    }
    w
}

/// Sends an unauthenticated request and reads the gateway's `Date`:
/// gateway minus host, in seconds.
fn clock_request(mut stream: Box<dyn Wire>, authority: &str) -> Option<i64> {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {}\r\nConnection: close\r\n\r\n",
        crate::DEFAULT_USER_AGENT
    );
    stream.send(request.as_bytes()).ok()?;
    let head = read_head(|b| stream.recv(b)).ok()?;
    let at = host_now();
    let date = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("date")
            .then(|| value.trim().to_string())
    })?;
    Some(parse_http_date(&date)? - at)
}

/// Records the end-entity certificate and rejects it: for showing an
/// operator which certificate a server presents, never for trusting one.
#[derive(Debug)]
struct RecordOnly {
    schemes: Vec<SignatureScheme>,
    seen: Mutex<Option<Vec<u8>>>,
}

impl ServerCertVerifier for RecordOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.to_vec());
        }
        Err(rustls::Error::General("recorded for the diagnosis".into()))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("recorded for the diagnosis".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("recorded for the diagnosis".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// Standard base64, for the proxy's Basic credentials.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_in_an_operators_words() {
        use std::io::{Error, ErrorKind};
        for kind in [ErrorKind::TimedOut, ErrorKind::WouldBlock] {
            assert_eq!(
                connect_error(&Error::from(kind)),
                "no answer in time: a firewall may drop the packets"
            );
        }
        assert_eq!(
            connect_error(&Error::from(ErrorKind::ConnectionRefused)),
            "connection refused"
        );
        assert_eq!(connect_error(&Error::other("odd")), "odd");
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("agent:pa-ss", "YWdlbnQ6cGEtc3M="),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn a_config_failure_skips_everything_else() {
        let d = Diagnosis::config_failed(&Error::config("no credentials"));
        assert!(!d.ok());
        let names: Vec<&str> = d.steps().iter().map(Step::name).collect();
        assert_eq!(names, STEP_NAMES);
        assert_eq!(d.steps()[0].status(), StepStatus::Fail);
        assert!(
            d.steps()[1..]
                .iter()
                .all(|s| s.status() == StepStatus::Skip && s.detail().contains("config"))
        );
        let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["clock_skew_secs"], serde_json::Value::Null);
        assert_eq!(json["steps"].as_array().unwrap().len(), 8);
        assert!(d.to_json().starts_with(r#"{"ok":false,"clock_skew_secs":null,"steps":[{"name":"config","status":"fail","detail":"#));
    }
}
