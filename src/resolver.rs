//! Name resolution that skips DNS for IP-literal endpoints.
//!
//! With a timeout set, ureq resolves every host on a short-lived detached
//! thread, even `127.0.0.1`. A program that exits right after a call can then
//! leave that thread finishing, which valgrind reports as a possible leak in
//! C agents. An IP literal needs no lookup, so it is answered directly; names
//! still go through ureq's resolver and its timeout.

use std::net::{IpAddr, SocketAddr};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// ureq's resolver, minus the lookup for IP literals.
#[derive(Debug, Default)]
pub(crate) struct LiteralFirst(DefaultResolver);

impl Resolver for LiteralFirst {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(authority) = uri.authority() {
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            if let Ok(ip) = host.parse::<IpAddr>() {
                let default_port = if uri.scheme_str() == Some("http") {
                    80
                } else {
                    443
                };
                let mut addrs = self.empty();
                addrs.push(SocketAddr::new(
                    ip,
                    authority.port_u16().unwrap_or(default_port),
                ));
                return Ok(addrs);
            }
        }
        self.0.resolve(uri, config, timeout)
    }
}
