//! The one error type, [`Error`], and the types it carries.
//!
//! Types only: how a failure is explained in words lives where it is found
//! (the channel explains transport failures, the wire format parses API
//! error bodies), and advice texts live in `advice`.

use std::error::Error as StdError;
use std::fmt;

mod api;
pub(crate) mod credentials;
mod input;
mod transport;

pub use api::{ApiError, ErrorDetail};
pub use credentials::{CredentialsError, CredentialsErrorKind};
pub use input::{ConfigError, DecodeError, InvalidReport, InvalidRequest, InvalidServerId};
pub use transport::{Redirect, TransportError, TransportKind};

use crate::redact::scrub;

/// Everything that can go wrong, from configuration to decoding.
///
/// `Display` says what happened and what to do about it; no variant ever
/// contains a token, secret key, security token or proxy password.
/// [`Error::is_retryable`] tells whether sending the same request later can help.
///
/// ```no_run
/// use hwsms::error::TransportKind;
/// use hwsms::{Config, Error, fetch_command};
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
    /// A request was refused before any I/O: a body without a required
    /// field, a value out of range, a task id that cannot be a path segment,
    /// a path that is not an SMS v3 path.
    InvalidRequest(Box<InvalidRequest>),
    /// No usable credentials: their source (the credentials file, IAM, the
    /// metadata service, the application's own) failed, or they expired
    /// with nothing newer. Nothing was sent to SMS.
    Credentials(Box<CredentialsError>),
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
            Error::Credentials(e) => e.retryable,
            _ => false,
        }
    }

    /// True when the request cannot have reached the server's application:
    /// no connection (DNS, refused, unreachable, proxy, TLS handshake) or a
    /// gateway throttling it (429). Retrying such a failure cannot double an
    /// effect.
    pub(crate) fn before_sending(&self) -> bool {
        match self {
            Error::Transport(t) => matches!(
                t.kind,
                TransportKind::Dns
                    | TransportKind::Connect
                    | TransportKind::Proxy
                    | TransportKind::Tls
            ),
            Error::Api(a) => a.status() == 429,
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
            Error::Credentials(e) => e.status(),
            _ => None,
        }
    }

    /// The request id of the answer that failed (the `X-Request-Id` header,
    /// else the error body's `request_id`), for API errors and redirects.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            Error::Redirect(r) => r.request_id(),
            Error::Credentials(e) => e.request_id(),
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
    pub(crate) fn scrub_foreign<S: AsRef<str>>(&mut self, secrets: &[S]) {
        match self {
            Error::Api(e) => e.map_server_text(&|s| scrub(s, secrets)),
            Error::Transport(e) => {
                if let Some(cause) = &mut e.cause {
                    scrub(cause, secrets);
                }
                // The lower layer's error carries the cause unscrubbed, and
                // text hwsms never shows (a rejected certificate's names).
                drop_if_secret(&mut e.source, secrets);
            }
            Error::Decode(e) => e.map_message(&|m| scrub(m, secrets)),
            Error::Redirect(r) => {
                for s in r.location.iter_mut().chain(r.request_id.iter_mut()) {
                    scrub(s, secrets);
                }
            }
            Error::Credentials(e) => {
                scrub(&mut e.message, secrets);
                if let Some(a) = &mut e.answer {
                    for s in a
                        .error_msg
                        .iter_mut()
                        .chain(a.error_code.iter_mut())
                        .chain(a.request_id.iter_mut())
                    {
                        scrub(s, secrets);
                    }
                }
                drop_if_secret(&mut e.source, secrets);
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

    pub(crate) fn credentials(e: CredentialsError) -> Self {
        Error::Credentials(Box::new(e))
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

/// Drops a lower layer's error when its text holds a secret: it cannot be
/// scrubbed in place. Compared as text, not by length: "[REDACTED]" is as
/// long as a 10-byte secret.
fn drop_if_secret<S: AsRef<str>>(
    source: &mut Option<Box<dyn StdError + Send + Sync>>,
    secrets: &[S],
) {
    if let Some(s) = source {
        let before = format!("{s} {s:?}");
        let mut text = before.clone();
        scrub(&mut text, secrets);
        if text != before {
            *source = None;
        }
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
            Error::Credentials(e) => e.fmt(f),
            Error::InvalidRequest(e) => e.fmt(f),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Transport(e) => e.source.as_deref().map(|s| s as _),
            Error::Config(e) => e.source.as_deref().map(|s| s as _),
            Error::Credentials(e) => e.source.as_deref().map(|s| s as _),
            Error::InvalidServerId(e) => Some(e),
            Error::InvalidReport(e) => Some(e),
            Error::InvalidRequest(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

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

impl From<InvalidRequest> for Error {
    fn from(e: InvalidRequest) -> Self {
        Error::InvalidRequest(Box::new(e))
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_request_id_of_api_errors_and_redirects() {
        let mut api = ApiError::parse(403, br#"{"error_code":"SMS.9004","request_id":"r-1"}"#);
        assert_eq!(Error::from(api.clone()).request_id(), Some("r-1"));
        api.set_request_id(Some("r-2".into()));
        assert_eq!(Error::from(api).request_id(), Some("r-2"));
        let redirect = Error::Redirect(Box::new(Redirect {
            status: 302,
            location: None,
            request_id: Some("r-3".into()),
        }));
        assert_eq!(redirect.request_id(), Some("r-3"));
        assert_eq!(Error::config("x").request_id(), None);
    }
}
