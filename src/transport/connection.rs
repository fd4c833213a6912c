//! How connections are made: TCP (or a CONNECT tunnel), then TLS with one
//! rustls client config per [`Config`](crate::Config), then the
//! [`Watch`] for pooled connections that went silent.
//!
//! Why not ureq's own TLS connector: it builds a new rustls `ClientConfig`
//! for every connection made with a request-level setting (hwsms sets the
//! remaining deadline per request), which throws away the TLS session cache.
//! Here the config is built once, so reconnects resume their TLS session
//! (TLS 1.3 tickets, TLS 1.2 session ids and tickets) and the root store is
//! parsed once.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, LazyBuffers, NextTimeout,
    TcpConnector, Transport, TransportAdapter,
};

use super::slice::Slicing;
use super::watch::Watch;

/// The connector chain: a CONNECT tunnel when a proxy is set, else TCP;
/// reads in short slices (so deadlines hold); then TLS for `https`; then
/// the watch for silent pooled connections.
pub(crate) fn connector(tls: Arc<ClientConfig>, watch: Watch) -> impl Connector {
    ().chain(ConnectProxyConnector::default())
        .chain(TcpConnector::default())
        .chain(Slicing)
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
