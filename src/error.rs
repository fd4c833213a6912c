//! The one error type, and how transport failures are explained.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use crate::api_error::ApiError;
use crate::redact::scrub;
use crate::report::InvalidReport;
use crate::server_id::InvalidServerId;

/// Everything that can go wrong, from configuration to decoding.
///
/// `Display` says what happened and what to do about it; no variant ever
/// contains a token, secret key, security token or proxy password.
/// [`Error::is_retryable`] tells whether sending the same request later can help.
///
/// ```no_run
/// use hwsms::{Config, Error, TransportKind, fetch_command};
///
/// let config = Config::from_env()?;
/// match fetch_command(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f") {
///     Ok(response) => println!("{:?}", response.command()?.name()),
///     // Worth trying again later: network trouble, timeouts, 429, 5xx.
///     Err(e) if e.is_retryable() => eprintln!("will retry: {e}"),
///     Err(Error::Api(api)) if api.status() == 403 => {
///         eprintln!("no permission ({:?}); ask for sms:server:getCommand", api.error_code())
///     }
///     Err(Error::Transport(t)) if t.kind() == TransportKind::Tls => {
///         eprintln!("TLS: {} (an inspecting proxy? try TlsRoots::System)", t.detail())
///     }
///     Err(e) => return Err(e),
/// }
/// # Ok::<_, Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx, non-3xx status. The gateway's or
    /// SMS's error body is parsed into [`ApiError`].
    Api(Box<ApiError>),
    /// The server id was rejected before any I/O.
    InvalidServerId(InvalidServerId),
    /// A result report was rejected before any I/O: empty or over-long
    /// command name, a result other than `success`/`fail`, or a detail that
    /// is not a JSON object.
    InvalidReport(InvalidReport),
    /// The [`Config`](crate::Config) could not be built: bad endpoint, unreadable
    /// or empty CA file, unusable credentials, unknown region, bad proxy URL.
    Config(Box<ConfigError>),
    /// The request never got a complete answer: DNS, connect, TLS, proxy,
    /// timeout, or the connection broke.
    Transport(Box<TransportError>),
    /// The response body is larger than the configured cap. Reading stopped at
    /// the cap (or before, when `Content-Length` already said so).
    #[non_exhaustive]
    BodyTooLarge {
        /// The cap in bytes.
        cap: usize,
        /// The HTTP status of the oversize response.
        status: u16,
    },
    /// A 2xx body that is not a ShowCommand JSON object.
    Decode(Box<DecodeError>),
    /// The server answered with a redirect, which is never followed: the
    /// credentials must not go to another host.
    Redirect(Box<Redirect>),
}

impl Error {
    /// True when sending the same request later can succeed: transport
    /// failures (except certificate rejections), timeouts, and HTTP 429, 500,
    /// 502, 503 and 504. False for everything else, including 401: repeated
    /// AK/SK failures lock the key.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Transport(e) => e.retryable,
            _ => false,
        }
    }

    /// True when the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportKind::Timeout)
    }

    /// The HTTP status, for errors that come from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Redirect(r) => Some(r.status),
            Error::BodyTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API error, when this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// How many requests the call sent before this error, when it sent any.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api(e) => Some(e.attempts()),
            Error::Transport(e) => Some(e.attempts),
            _ => None,
        }
    }

    /// Removes secrets from every piece of text that came from outside
    /// hwsms. Called once, where an error leaves a call.
    pub(crate) fn scrub_foreign(&mut self, secrets: &[&str]) {
        match self {
            Error::Api(e) => e.map_server_text(&|s| scrub(s, secrets)),
            Error::Transport(e) => {
                if let Some(cause) = &mut e.cause {
                    scrub(cause, secrets);
                }
                // The lower layer's error carries the cause unscrubbed, and
                // text hwsms never shows (a rejected certificate's names):
                // it goes when it holds a secret. Compared as text, not by
                // length: "[REDACTED]" is as long as a 10-byte secret.
                if let Some(source) = &e.source {
                    let before = format!("{source} {source:?}");
                    let mut text = before.clone();
                    scrub(&mut text, secrets);
                    if text != before {
                        e.source = None;
                    }
                }
            }
            Error::Decode(e) => e.map_message(&|m| scrub(m, secrets)),
            Error::Redirect(r) => {
                for s in r.location.iter_mut().chain(r.request_id.iter_mut()) {
                    scrub(s, secrets);
                }
            }
            _ => {}
        }
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        match self {
            Error::Api(e) => e.attempts = attempts,
            Error::Transport(e) => e.attempts = attempts,
            _ => {}
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(Box::new(ConfigError {
            message: message.into(),
            source: None,
        }))
    }

    pub(crate) fn config_with(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Error::Config(Box::new(ConfigError {
            message: message.into(),
            source: Some(Box::new(source)),
        }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::InvalidServerId(e) => write!(
                f,
                "invalid server id: {e}; use the source server's id as shown by SMS (a UUID)"
            ),
            Error::InvalidReport(e) => write!(f, "invalid result report: {e}"),
            Error::Config(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::BodyTooLarge { cap, status } => write!(
                f,
                "response body (HTTP {status}) is larger than the {cap}-byte cap; \
                 reading stopped there. The endpoint is probably not SMS, or raise the cap"
            ),
            Error::Decode(e) => e.fmt(f),
            Error::Redirect(r) => r.fmt(f),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport(e) => e.source.as_deref().map(|s| s as _),
            Error::Config(e) => e.source.as_deref().map(|s| s as _),
            Error::InvalidServerId(e) => Some(e),
            Error::InvalidReport(e) => Some(e),
            _ => None,
        }
    }
}

impl StdError for InvalidServerId {}

impl From<InvalidServerId> for Error {
    fn from(e: InvalidServerId) -> Self {
        Error::InvalidServerId(e)
    }
}

impl From<InvalidReport> for Error {
    fn from(e: InvalidReport) -> Self {
        Error::InvalidReport(e)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// A configuration problem, found while building a [`Config`](crate::Config).
#[derive(Debug)]
pub struct ConfigError {
    message: String,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl ConfigError {
    /// What is wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

/// A 2xx body that could not be decoded, with where decoding stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    line: usize,
    column: usize,
    message: String,
    eof: bool,
}

impl DecodeError {
    pub(crate) fn new(line: usize, column: usize, message: String) -> Self {
        DecodeError {
            line,
            column,
            message,
            eof: false,
        }
    }

    /// Invalid UTF-8 starting at byte `at` of `body`.
    pub(crate) fn invalid_utf8(body: &[u8], at: usize) -> Self {
        let before = &body[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        DecodeError::new(
            line,
            column,
            format!("invalid UTF-8 at line {line} column {column}"),
        )
    }

    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        DecodeError {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
            eof: e.is_eof(),
        }
    }
    /// True when the body ended in the middle of the JSON document.
    pub(crate) fn is_eof(&self) -> bool {
        self.eof
    }
    /// 1-based line where decoding stopped.
    pub fn line(&self) -> usize {
        self.line
    }
    /// 1-based column where decoding stopped (0 at the very start of input).
    pub fn column(&self) -> usize {
        self.column
    }
    /// serde_json's description, position included.
    pub fn message(&self) -> &str {
        &self.message
    }
    pub(crate) fn map_message(&mut self, f: &dyn Fn(&mut String)) {
        f(&mut self.message);
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the 2xx body is not a ShowCommand JSON object: {}; the endpoint may not be SMS",
            self.message
        )
    }
}

/// A redirect response, reported instead of followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) request_id: Option<String>,
}

impl Redirect {
    /// The 3xx status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `Location` header, if any (bounded).
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }
    /// The `X-Request-Id` header, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for Redirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} redirect", self.status)?;
        if let Some(l) = &self.location {
            write!(f, " to {l}")?;
        }
        f.write_str(
            " was not followed (credentials are only sent to the configured endpoint); \
                     configure the endpoint the redirect points to, if it is trusted",
        )
    }
}

/// Which step of the exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The TLS handshake failed, e.g. the certificate was rejected.
    Tls,
    /// The proxy could not be reached, or it refused or failed the tunnel.
    Proxy,
    /// The call did not finish within its deadline.
    Timeout,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// The server did not speak valid HTTP/1.1.
    Protocol,
    /// Any other I/O failure.
    Other,
}

/// A failure below HTTP: DNS, TCP, TLS, proxy, timeout or a broken connection.
#[derive(Debug)]
pub struct TransportError {
    pub(crate) kind: TransportKind,
    /// hwsms's own words; never rewritten.
    pub(crate) detail: String,
    /// Text from outside (the OS, the TLS library, a proxy's status line);
    /// scrubbed of secrets before the error leaves the call.
    pub(crate) cause: Option<String>,
    pub(crate) retryable: bool,
    pub(crate) attempts: u32,
    pub(crate) source: Option<Box<dyn StdError + Send + Sync>>,
}

impl TransportError {
    /// Which step failed.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }
    /// What failed and what to check, in words (e.g. "… the server
    /// certificate has expired").
    pub fn detail(&self) -> &str {
        &self.detail
    }
    /// What the layer below reported, when it said something (an OS error,
    /// a proxy's status line), secrets removed.
    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }
    /// How many requests were tried before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn new(kind: TransportKind, detail: String, retryable: bool) -> Self {
        TransportError {
            kind,
            detail,
            cause: None,
            retryable,
            attempts: 1,
            source: None,
        }
    }

    /// Explains a ureq failure on `route`.
    pub(crate) fn from_ureq(err: ureq::Error, route: &Route<'_>) -> Self {
        let mut e = explain(&err, route);
        e.source = Some(Box::new(err));
        e
    }

    /// Explains an I/O error raised while reading the body.
    pub(crate) fn from_body_io(err: io::Error, route: &Route<'_>) -> Self {
        // ureq wraps its own errors (timeouts among them) in io::Error for Read.
        Self::from_ureq(ureq::Error::from(err), route)
    }

    fn with_cause(mut self, cause: impl fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportKind::Dns => "DNS lookup failed",
            TransportKind::Connect => "could not connect",
            TransportKind::Tls => "TLS handshake failed",
            TransportKind::Proxy => "proxy failed",
            TransportKind::Timeout => "timed out",
            TransportKind::Reset => "connection broken",
            TransportKind::Protocol => "invalid HTTP response",
            TransportKind::Other => "network error",
        };
        write!(f, "{what}: {}", self.detail)?;
        if let Some(c) = &self.cause {
            write!(f, " ({c})")?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// Where a request goes: the endpoint (`host:port`), and the proxy when one
/// is used (displayed without its password).
#[derive(Clone, Copy)]
pub(crate) struct Route<'a> {
    pub(crate) endpoint: &'a str,
    pub(crate) proxy: Option<&'a dyn fmt::Display>,
}

impl fmt::Display for Route<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.proxy {
            Some(p) => write!(f, "{} (via proxy {p})", self.endpoint),
            None => f.write_str(self.endpoint),
        }
    }
}

/// Maps a ureq error to an explained [`TransportError`].
fn explain(err: &ureq::Error, route: &Route<'_>) -> TransportError {
    use TransportKind::*;
    let t = |kind, detail: String, retryable| TransportError::new(kind, detail, retryable);
    match err {
        ureq::Error::HostNotFound => match route.proxy {
            Some(p) => t(
                Proxy,
                format!(
                    "the proxy {p} does not resolve; check the proxy address and the host's DNS"
                ),
                true,
            ),
            None => t(
                Dns,
                format!("{route} does not resolve; check the endpoint and the host's DNS"),
                true,
            ),
        },
        ureq::Error::Timeout(which) => t(
            Timeout,
            format!(
                "no complete answer from {route} in time; check connectivity or raise the timeout"
            ),
            true,
        )
        .with_cause(which),
        ureq::Error::Rustls(e) => tls(e, route),
        ureq::Error::Tls(msg) => t(Tls, format!("{route}: {msg}"), false),
        ureq::Error::ConnectProxyFailed(msg) => {
            // Some proxies (tinyproxy) answer a failed CONNECT login with 401, not 407.
            let auth = msg.contains(" 407") || msg.contains(" 401");
            let p = route.proxy.map(|p| p.to_string()).unwrap_or_default();
            let detail = if auth {
                format!(
                    "the proxy {p} requires authentication or rejected the credentials; \
                     check the user and password in the proxy URL"
                )
            } else {
                format!(
                    "the proxy {p} would not open a tunnel to {}",
                    route.endpoint
                )
            };
            t(Proxy, detail, !auth).with_cause(msg)
        }
        ureq::Error::Protocol(e) => {
            t(Protocol, format!("{route} sent invalid HTTP"), true).with_cause(e)
        }
        ureq::Error::LargeResponseHeader(got, max) => t(
            Protocol,
            format!("{route} sent a response head of {got} bytes, more than {max}"),
            false,
        ),
        ureq::Error::Io(e) => io_error(e, route),
        other => t(Other, format!("{route} failed"), true).with_cause(other),
    }
}

fn io_error(e: &io::Error, route: &Route<'_>) -> TransportError {
    use TransportKind::*;
    let t = |kind, detail: String, retryable| TransportError::new(kind, detail, retryable);
    if let Some(inner) = e.get_ref() {
        if let Some(tls_err) = inner.downcast_ref::<rustls::Error>() {
            return tls(tls_err, route);
        }
        if let Some(dead) = inner.downcast_ref::<crate::connection::DeadConnection>() {
            return t(Timeout, format!("{route}: {dead}"), true);
        }
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => match route.proxy {
            Some(p) => t(
                Proxy,
                format!(
                    "the proxy {p} refused the connection; is the proxy address (host and port) right?"
                ),
                true,
            ),
            None => t(
                Connect,
                format!("{route} refused the connection; is the endpoint (host and port) right?"),
                true,
            ),
        },
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => t(
            Timeout,
            format!("{route} did not answer in time; check connectivity or raise the timeout"),
            true,
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => t(
            Reset,
            format!("{route} closed the connection before the response was complete"),
            true,
        )
        .with_cause(e),
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            let (kind, whom) = match route.proxy {
                Some(p) => (Proxy, format!("the proxy {p}")),
                None => (Connect, route.to_string()),
            };
            t(
                kind,
                format!("{whom} is unreachable; check routing, firewall or proxy settings"),
                true,
            )
            .with_cause(e)
        }
        _ => t(Other, format!("{route} failed"), true).with_cause(e),
    }
}

/// Explains a TLS failure on `route`.
pub(crate) fn tls(e: &rustls::Error, route: &Route<'_>) -> TransportError {
    use rustls::CertificateError as C;
    let why = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::Expired | C::ExpiredContext { .. } => {
                "the server certificate has expired (or this host's clock is wrong)".to_string()
            }
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the server certificate is not valid yet (or this host's clock is wrong)"
                    .to_string()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!(
                    "the server certificate is not valid for the host in {}",
                    route.endpoint
                )
            }
            // BadSignature: a CA with the issuer's name is trusted, but it did not sign this.
            C::UnknownIssuer | C::BadSignature => {
                "the server certificate is signed by an untrusted CA; \
                 if TLS is intercepted, configure that CA (custom CA file or system roots)"
                    .to_string()
            }
            C::Revoked => "the server certificate is revoked".to_string(),
            other => format!("the server certificate was rejected ({other:?})"),
        },
        _ => "the handshake did not complete".to_string(),
    };
    // A rejected certificate stays rejected: retrying cannot help.
    let retryable = !matches!(e, rustls::Error::InvalidCertificate(_));
    let err = TransportError::new(TransportKind::Tls, format!("{route}: {why}"), retryable);
    match e {
        rustls::Error::InvalidCertificate(_) => err,
        other => err.with_cause(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_system_errors_are_explained() {
        use io::ErrorKind as K;
        let direct = Route {
            endpoint: "sms.example:443",
            proxy: None,
        };
        let proxy: &dyn fmt::Display = &"http://proxy.example:3128";
        let proxied = Route {
            endpoint: "sms.example:443",
            proxy: Some(proxy),
        };
        let e = io_error(&io::Error::from(K::TimedOut), &direct);
        assert_eq!(e.kind(), TransportKind::Timeout);
        assert_eq!(
            e.detail(),
            "sms.example:443 did not answer in time; check connectivity or raise the timeout"
        );
        for kind in [K::HostUnreachable, K::NetworkUnreachable] {
            let e = io_error(&io::Error::from(kind), &direct);
            assert_eq!(e.kind(), TransportKind::Connect);
            assert_eq!(
                e.detail(),
                "sms.example:443 is unreachable; check routing, firewall or proxy settings"
            );
            assert!(e.cause().is_some_and(|c| !c.is_empty()));
            let e = io_error(&io::Error::from(kind), &proxied);
            assert_eq!(e.kind(), TransportKind::Proxy);
            assert!(
                e.detail()
                    .starts_with("the proxy http://proxy.example:3128 is unreachable"),
                "{}",
                e.detail()
            );
        }
        let e = io_error(&io::Error::from(K::BrokenPipe), &proxied);
        assert_eq!(e.kind(), TransportKind::Reset);
        assert!(
            e.detail()
                .starts_with("sms.example:443 (via proxy http://proxy.example:3128) closed"),
            "{}",
            e.detail()
        );
    }

    #[test]
    fn invalid_utf8_is_placed_by_line_and_column() {
        let e = DecodeError::invalid_utf8(b"{\n  \"a\":\n \xff", 10);
        assert_eq!((e.line(), e.column()), (3, 2));
        assert_eq!(e.message(), "invalid UTF-8 at line 3 column 2");
        let e = DecodeError::invalid_utf8(b"ab\xff", 2);
        assert_eq!((e.line(), e.column()), (1, 3));
        let e = DecodeError::invalid_utf8(b"\xff", 0);
        assert_eq!((e.line(), e.column()), (1, 1));
    }

    #[test]
    fn error_stays_small() {
        assert!(
            std::mem::size_of::<Error>() <= 24,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn retryable_classification() {
        for status in [429, 500, 502, 503, 504] {
            assert!(
                Error::from(ApiError::parse(status, b"")).is_retryable(),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 405, 409, 501] {
            assert!(
                !Error::from(ApiError::parse(status, b"")).is_retryable(),
                "{status}"
            );
        }
        assert!(!Error::from(InvalidServerId::Empty).is_retryable());
    }
}
