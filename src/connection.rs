//! How connections are made and kept: TCP (or a CONNECT tunnel), TLS with one
//! rustls client config per [`Config`](crate::Config), and a watch that
//! notices pooled connections that went silent.
//!
//! Why not ureq's own TLS connector: it builds a new rustls `ClientConfig`
//! for every connection made with a request-level setting (hwsms sets the
//! remaining deadline per request), which throws away the TLS session cache.
//! Here the config is built once, so reconnects resume their TLS session
//! (TLS 1.3 tickets, TLS 1.2 session ids and tickets) and the root store is
//! parsed once.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, LazyBuffers, NextTimeout,
    TcpConnector, Transport, TransportAdapter,
};

/// The connector chain: a CONNECT tunnel when a proxy is set, else TCP; then
/// TLS for `https`; then the watch for silent pooled connections.
pub(crate) fn connector(tls: Arc<ClientConfig>, watch: Watch) -> impl Connector {
    ().chain(ConnectProxyConnector::default())
        .chain(TcpConnector::default())
        .chain(Tls(tls))
        .chain(watch)
}

/// Wraps the connection in TLS with the config's shared rustls client config.
struct Tls(Arc<ClientConfig>);

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls")
    }
}

impl<In: Transport> Connector<In> for Tls {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Err(ureq::Error::ConnectionFailed);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(transport.boxed()));
        }
        let host = details
            .uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let name = ServerName::try_from(host)
            .map_err(|_| ureq::Error::Tls("the endpoint host is not a valid TLS server name"))?
            .to_owned();
        let mut conn = ClientConnection::new(self.0.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        // The connect budget started before the TCP connection was made.
        let mut timeout = details.timeout;
        if let (UreqDuration::Exact(after), UreqInstant::Exact(now), UreqInstant::Exact(start)) =
            (timeout.after, (details.current_time)(), details.now)
        {
            timeout.after = UreqDuration::Exact(after.saturating_sub(now - start));
        }
        sock.set_timeout(timeout);
        conn.complete_io(&mut sock)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Box::new(TlsTransport {
            buffers,
            stream: StreamOwned { conn, sock },
        })))
    }
}

struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport")
            .field("resumed", &self.stream.conn.handshake_kind())
            .finish()
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

/// Watches for pooled connections that went silent.
///
/// NAT gateways and firewalls drop idle flows without a FIN or RST, so a
/// pooled connection can look open and never answer. A request sent on a
/// *reused* connection that gets no response byte within `silence` is
/// abandoned with [`DeadConnection`]; the caller resends it at once on a
/// fresh connection. Every connection opened before that moment is then
/// distrusted too (they share the NAT), so the pool drops them.
#[derive(Clone)]
pub(crate) struct Watch {
    silence: Duration,
    /// Bumped when a dead connection is found; connections of older
    /// generations are no longer reused.
    generation: Arc<AtomicU64>,
}

impl Watch {
    pub(crate) fn new(silence: Duration) -> Self {
        Watch {
            silence,
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("silence", &self.silence)
            .finish()
    }
}

impl Connector<Box<dyn Transport>> for Watch {
    type Out = Watched;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Watched {
            inner,
            watch: self.clone(),
            generation: self.generation.load(Ordering::Relaxed),
            answered_before: false,
            waiting_since: None,
            reused: false,
        }))
    }
}

/// A connection under [`Watch`].
pub(crate) struct Watched {
    inner: Box<dyn Transport>,
    watch: Watch,
    generation: u64,
    /// A response has started on this connection before.
    answered_before: bool,
    /// When the current request was sent, until its first response byte.
    waiting_since: Option<Instant>,
    /// The current request went out on a connection that had answered before.
    reused: bool,
}

impl fmt::Debug for Watched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watched")
            .field("inner", &self.inner)
            .field("reused", &self.reused)
            .finish()
    }
}

impl Transport for Watched {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.waiting_since.is_none() {
            self.reused = self.answered_before;
        }
        self.inner.transmit_output(amount, timeout)?;
        self.waiting_since = Some(Instant::now());
        Ok(())
    }

    fn await_input(&mut self, mut timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let Some(since) = self.waiting_since.filter(|_| self.reused) else {
            return self.read(timeout);
        };
        let left = self.watch.silence.saturating_sub(since.elapsed());
        let capped = UreqDuration::Exact(left) < timeout.after;
        if capped {
            timeout.after = UreqDuration::Exact(left);
        }
        match self.read(timeout) {
            Err(ureq::Error::Timeout(_)) if capped => {
                self.watch.generation.fetch_add(1, Ordering::Relaxed);
                Err(ureq::Error::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    DeadConnection(self.watch.silence),
                )))
            }
            other => other,
        }
    }

    fn is_open(&mut self) -> bool {
        self.generation == self.watch.generation.load(Ordering::Relaxed) && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl Watched {
    fn read(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let progress = self.inner.await_input(timeout)?;
        if progress {
            self.answered_before = true;
            self.waiting_since = None;
        }
        Ok(progress)
    }
}

/// A reused connection stayed silent past the bound: it is presumed dead.
#[derive(Debug)]
pub(crate) struct DeadConnection(pub(crate) Duration);

impl fmt::Display for DeadConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a pooled connection sent no answer within {:?}; presumed dropped by a NAT or firewall",
            self.0
        )
    }
}

impl std::error::Error for DeadConnection {}

/// True when `err` is a request abandoned on a silent pooled connection.
pub(crate) fn is_dead_connection(err: &ureq::Error) -> bool {
    matches!(err, ureq::Error::Io(e) if e.get_ref().is_some_and(|i| i.is::<DeadConnection>()))
}

/// Builds the one rustls client config a [`Config`](crate::Config) uses for
/// every connection: ring, the chosen roots, all TLS versions, and the
/// default in-memory session cache (what makes resumption work).
pub(crate) fn client_config(
    provider: Arc<rustls::crypto::CryptoProvider>,
    roots: rustls::RootCertStore,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_connection_is_recognised_through_ureq_error() {
        let e = ureq::Error::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            DeadConnection(Duration::from_secs(10)),
        ));
        assert!(is_dead_connection(&e));
        let other = ureq::Error::Io(io::Error::new(io::ErrorKind::TimedOut, "slow"));
        assert!(!is_dead_connection(&other));
    }
}
