//! The connection machinery under every request: the connector chain
//! (CONNECT proxy, TCP, TLS, the watch for dead pooled connections), the
//! resolver, and the one TLS setup per `Config`. It knows nothing of SMS.

pub(crate) mod connection;
pub(crate) mod resolver;
mod slice;
pub(crate) mod tls;
pub(crate) mod watch;
