//! Network failures explained: a ureq or I/O error on a route becomes a
//! [`TransportError`] that says what failed and what to check.

use std::fmt;
use std::io;

use crate::advice;
use crate::error::{TransportError, TransportKind};
use crate::transport::watch::DeadConnection;

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

impl Route<'_> {
    /// Who a failure to reach the first hop blames: the proxy when there is
    /// one (kind `Proxy`), else the endpoint (kind `direct`).
    fn first_hop(&self, direct: TransportKind) -> (TransportKind, String) {
        match self.proxy {
            Some(p) => (TransportKind::Proxy, format!("the proxy {p}")),
            None => (direct, self.to_string()),
        }
    }
}

/// Explains a ureq failure on `route`, keeping it as the source.
pub(crate) fn from_ureq(err: ureq::Error, route: &Route<'_>) -> TransportError {
    explain(&err, route).with_source(err)
}

/// Explains an I/O error raised while reading the body.
pub(crate) fn from_body_io(err: io::Error, route: &Route<'_>) -> TransportError {
    // ureq wraps its own errors (timeouts among them) in io::Error for Read.
    from_ureq(ureq::Error::from(err), route)
}

fn new(kind: TransportKind, detail: String, retryable: bool) -> TransportError {
    TransportError::new(kind, detail, retryable)
}

/// Maps a ureq error to an explained [`TransportError`].
fn explain(err: &ureq::Error, route: &Route<'_>) -> TransportError {
    use TransportKind::*;
    match err {
        ureq::Error::HostNotFound => {
            let (kind, whom) = route.first_hop(Dns);
            new(
                kind,
                format!("{whom} does not resolve; check the address and the host's DNS"),
                true,
            )
        }
        ureq::Error::Timeout(which) => new(
            Timeout,
            format!(
                "no complete answer from {route} in time; check connectivity or raise the timeout"
            ),
            true,
        )
        .with_cause(which),
        ureq::Error::Rustls(e) => tls(e, route),
        ureq::Error::Tls(msg) => new(Tls, format!("{route}: {msg}"), false),
        ureq::Error::ConnectProxyFailed(msg) => {
            // Some proxies (tinyproxy) answer a failed CONNECT login with 401, not 407.
            let auth = msg.contains(" 407") || msg.contains(" 401");
            let p = route.proxy.map(|p| p.to_string()).unwrap_or_default();
            let detail = if auth {
                advice::proxy_auth(&p)
            } else {
                format!(
                    "the proxy {p} would not open a tunnel to {}",
                    route.endpoint
                )
            };
            new(Proxy, detail, !auth).with_cause(msg)
        }
        ureq::Error::Protocol(e) => {
            new(Protocol, format!("{route} sent invalid HTTP"), true).with_cause(e)
        }
        ureq::Error::LargeResponseHeader(got, max) => new(
            Protocol,
            format!("{route} sent a response head of {got} bytes, more than {max}"),
            false,
        ),
        ureq::Error::Io(e) => io_error(e, route),
        other => new(Other, format!("{route} failed"), true).with_cause(other),
    }
}

fn io_error(e: &io::Error, route: &Route<'_>) -> TransportError {
    use TransportKind::*;
    if let Some(inner) = e.get_ref() {
        if let Some(tls_err) = inner.downcast_ref::<rustls::Error>() {
            return tls(tls_err, route);
        }
        if let Some(dead) = inner.downcast_ref::<DeadConnection>() {
            return new(Timeout, format!("{route}: {dead}"), true);
        }
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            let (kind, whom) = route.first_hop(Connect);
            let what = if kind == Proxy {
                "proxy address"
            } else {
                "endpoint"
            };
            new(
                kind,
                format!("{whom} refused the connection; is the {what} (host and port) right?"),
                true,
            )
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => new(
            Timeout,
            format!("{route} did not answer in time; check connectivity or raise the timeout"),
            true,
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => new(
            Reset,
            format!("{route} closed the connection before the response was complete"),
            true,
        )
        .with_cause(e),
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            let (kind, whom) = route.first_hop(Connect);
            new(
                kind,
                format!("{whom} is unreachable; check routing, firewall or proxy settings"),
                true,
            )
            .with_cause(e)
        }
        _ => new(Other, format!("{route} failed"), true).with_cause(e),
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
            C::UnknownIssuer | C::BadSignature => advice::UNTRUSTED_CA.to_string(),
            C::Revoked => "the server certificate is revoked".to_string(),
            other => format!("the server certificate was rejected ({other:?})"),
        },
        _ => "the handshake did not complete".to_string(),
    };
    // A rejected certificate stays rejected: retrying cannot help.
    let retryable = !matches!(e, rustls::Error::InvalidCertificate(_));
    let err = new(TransportKind::Tls, format!("{route}: {why}"), retryable);
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
        let e = io_error(&io::Error::from(K::ConnectionRefused), &direct);
        assert_eq!(
            (e.kind(), e.detail()),
            (
                TransportKind::Connect,
                "sms.example:443 refused the connection; is the endpoint (host and port) right?"
            )
        );
        let e = io_error(&io::Error::from(K::ConnectionRefused), &proxied);
        assert_eq!(e.kind(), TransportKind::Proxy);
        assert!(
            e.detail()
                .ends_with("is the proxy address (host and port) right?"),
            "{}",
            e.detail()
        );
    }

    #[test]
    fn unresolvable_names_blame_the_first_hop() {
        let direct = Route {
            endpoint: "sms.example:443",
            proxy: None,
        };
        let e = explain(&ureq::Error::HostNotFound, &direct);
        assert_eq!(e.kind(), TransportKind::Dns);
        assert!(e.detail().starts_with("sms.example:443 does not resolve"));
        let proxy: &dyn fmt::Display = &"http://proxy.example:3128";
        let proxied = Route {
            endpoint: "sms.example:443",
            proxy: Some(proxy),
        };
        let e = explain(&ureq::Error::HostNotFound, &proxied);
        assert_eq!(e.kind(), TransportKind::Proxy);
        assert!(
            e.detail()
                .starts_with("the proxy http://proxy.example:3128 does not resolve"),
            "{}",
            e.detail()
        );
    }
}
