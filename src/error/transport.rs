//! Failures below HTTP ([`TransportError`]) and redirects ([`Redirect`]).
//! What caused them is explained by the channel (`channel::explain`); these
//! are only the types.

use std::error::Error as StdError;
use std::fmt;

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

    pub(crate) fn with_cause(mut self, cause: impl fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
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
