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

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    fn resolve(url: &str) -> Vec<SocketAddr> {
        let uri: ureq::http::Uri = url.parse().unwrap();
        let config = ureq::Agent::new_with_defaults().config().clone();
        let timeout = NextTimeout {
            after: UreqDuration::Exact(std::time::Duration::from_secs(1)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        let addrs = LiteralFirst::default()
            .resolve(&uri, &config, timeout)
            .unwrap();
        addrs.iter().copied().collect()
    }

    #[test]
    fn ip_literals_take_the_port_or_the_schemes_default() {
        let addr = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(resolve("http://127.0.0.1/x"), [addr("127.0.0.1:80")]);
        assert_eq!(resolve("https://127.0.0.1/x"), [addr("127.0.0.1:443")]);
        assert_eq!(resolve("https://[::1]:8443/"), [addr("[::1]:8443")]);
        assert_eq!(resolve("http://[::1]/"), [addr("[::1]:80")]);
    }
}
