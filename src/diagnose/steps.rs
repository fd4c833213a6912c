//! The steps of a diagnosis, one function each. A step records how it went
//! in the [`Walk`] and returns `None` when it failed, which ends the walk.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use super::Walk;
use super::probe::{self, Resolved, Wire};
use super::tls::{tls_step, trust_source};
use crate::advice;
use crate::calls::fetch::fetch_command;
use crate::channel::explain::Route;
use crate::config::Config;
use crate::error::Error;
use crate::limits::CLOCK_WARN_SECS;
use crate::redact::scrub;
use crate::wire::server_id::ServerId;

/// The id used for the authentication step when no server id is given.
const PLACEHOLDER_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Text from outside (a proxy's answer, a TLS library's words), scrubbed of
/// the config's secrets.
fn clean(config: &Config, mut text: String) -> String {
    scrub(&mut text, &config.secrets());
    text
}

/// `config`: the server id, and what the config holds (never a secret).
pub(super) fn config(config: &Config, server_id: Option<&str>, walk: &mut Walk) -> Option<()> {
    if let Some(Err(e)) = server_id.map(ServerId::parse) {
        walk.fail("config", format!("invalid server id: {e}"));
        return None;
    }
    let mut d = format!(
        "endpoint {}; credentials: {}; proxy: {}; trust: {}",
        config.endpoint(),
        config.credentials().describe(),
        config.proxy().unwrap_or("none (direct)"),
        trust_source(config.tls_roots())
    );
    let _ = write!(
        d,
        "; timeouts: connect {:?}, call {:?}",
        config.connect_timeout(),
        config.timeout()
    );
    match config.keeper().warning() {
        Some(w) => walk.warn("config", format!("{d}; {w}")),
        None => walk.pass("config", d),
    }
    Some(())
}

/// The host the first connection goes to: the proxy's, else the endpoint's.
fn first_hop(config: &Config) -> (&str, u16, &'static str) {
    match config.proxy_url() {
        Some(p) => (p.host.as_str(), p.port, "the proxy"),
        None => {
            let e = config.endpoint_ref();
            (e.bare_host(), e.port, "the endpoint")
        }
    }
}

/// `dns`: the first hop resolves, as every call resolves it.
pub(super) fn dns(config: &Config, walk: &mut Walk) -> Option<Vec<SocketAddr>> {
    let (host, port, whom) = first_hop(config);
    match probe::resolve(config, host, port, config.connect_timeout()) {
        Resolved::Literal(addr) => {
            walk.pass(
                "dns",
                format!("{host} is an IP address ({whom}): nothing to look up"),
            );
            Some(vec![addr])
        }
        Resolved::Names(addrs) => {
            let shown: Vec<String> = addrs.iter().take(4).map(|a| a.ip().to_string()).collect();
            walk.pass(
                "dns",
                format!("{host} ({whom}) resolves to {}", shown.join(", ")),
            );
            Some(addrs)
        }
        Resolved::Failed(why) => {
            walk.fail(
                "dns",
                format!(
                    "{host} ({whom}) does not resolve ({why}); check the name and this host's DNS \
                     (/etc/resolv.conf), or use an IP address"
                ),
            );
            None
        }
    }
}

/// `proxy` and `tcp`: a connection to the first hop, and through a proxy
/// the CONNECT tunnel to the endpoint.
pub(super) fn proxy_and_tcp(
    config: &Config,
    addrs: &[SocketAddr],
    walk: &mut Walk,
) -> Option<TcpStream> {
    let endpoint_name = config.endpoint_name();
    let proxy = config.proxy_url();
    let started = Instant::now();
    let mut tcp = match probe::connect(addrs, config.connect_timeout()) {
        Ok(s) => s,
        Err(e) => {
            let detail = format!("{}: {}", addrs[0], probe::connect_error(&e));
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
                            config.endpoint_ref().port
                        ),
                    );
                }
            }
            return None;
        }
    };
    let _ = tcp.set_read_timeout(Some(config.connect_timeout()));
    let _ = tcp.set_write_timeout(Some(config.connect_timeout()));
    let Some(p) = proxy else {
        walk.skip("proxy", "no proxy configured: connecting directly".into());
        let peer = tcp
            .peer_addr()
            .map_or(endpoint_name.to_string(), |a| a.to_string());
        let ms = started.elapsed().as_millis() as u64;
        walk.pass("tcp", format!("connected to {peer} in {ms} ms"));
        return Some(tcp);
    };
    match probe::open_tunnel(&mut tcp, p, endpoint_name) {
        Ok(()) => {
            walk.pass(
                "proxy",
                format!("the proxy {p} opened a tunnel to {endpoint_name}"),
            );
            walk.pass(
                "tcp",
                format!("connected to {endpoint_name} through the proxy tunnel"),
            );
            Some(tcp)
        }
        Err(why) => {
            walk.fail("proxy", clean(config, why));
            None
        }
    }
}

/// `tls`: the handshake, on https endpoints; the stream the clock step reads.
pub(super) fn tls(
    config: &Config,
    tcp: TcpStream,
    addrs: &[SocketAddr],
    walk: &mut Walk,
) -> Option<Box<dyn Wire>> {
    let limit = config.connect_timeout();
    let sock = probe::wire(tcp, limit);
    if !config.endpoint_ref().is_tls() {
        walk.skip("tls", "plain http (a loopback endpoint): no TLS".into());
        return Some(Box::new(sock));
    }
    // For a rejected certificate, a second connection shows which it was.
    let reconnect = || {
        let mut tcp = probe::connect(addrs, limit).ok()?;
        if let Some(p) = config.proxy_url() {
            probe::open_tunnel(&mut tcp, p, config.endpoint_name()).ok()?;
        }
        Some(probe::wire(tcp, limit))
    };
    let route = Route {
        endpoint: config.endpoint_name(),
        proxy: config.proxy_url().map(|p| p as _),
    };
    match tls_step(config, sock, &route, &reconnect) {
        Ok((detail, stream)) => {
            walk.pass("tls", detail);
            Some(stream)
        }
        Err(detail) => {
            walk.fail("tls", clean(config, detail));
            None
        }
    }
}

/// `clock`: the gateway's `Date` against this host's clock. Only warns.
pub(super) fn clock(config: &Config, stream: Box<dyn Wire>, walk: &mut Walk) {
    let authority = &config.endpoint_ref().authority;
    let Some(skew) = probe::clock_request(stream, authority, config.user_agent()) else {
        walk.warn(
            "clock",
            "the gateway sent no Date header: the clock skew is unknown".into(),
        );
        return;
    };
    walk.clock_skew_secs = Some(skew);
    if skew.abs() <= CLOCK_WARN_SECS {
        walk.pass("clock", advice::skew(skew));
    } else {
        walk.warn(
            "clock",
            format!("{}; {}", advice::skew(skew), advice::CLOCK_OFF),
        );
    }
}

/// `auth` and `command`: the real, authenticated ShowCommand call.
pub(super) fn auth_and_command(config: &Config, server_id: Option<&str>, walk: &mut Walk) {
    let authenticated = || {
        let mut text = format!("authenticated with {}", config.credentials().describe());
        if config.credentials().is_renewable() {
            if let Some(held) = config.keeper().describe_held() {
                text.push_str(&format!(": {held}"));
            }
        }
        text
    };
    let api = match fetch_command(config, server_id.unwrap_or(PLACEHOLDER_ID)) {
        Ok(response) => {
            walk.pass("auth", authenticated());
            let Some(_) = server_id else {
                walk.skip("command", "no server id given".into());
                return;
            };
            let detail = match response.command() {
                Ok(c) => match c.name() {
                    Some(name) => format!(
                        "HTTP {}: command {name}{}",
                        response.status(),
                        c.task_id()
                            .map(|t| format!(", task {t}"))
                            .unwrap_or_default()
                    ),
                    None => format!("HTTP {}: nothing to do", response.status()),
                },
                Err(e) => e.to_string(),
            };
            walk.pass("command", detail);
            return;
        }
        Err(Error::Api(api)) => api,
        Err(e) => {
            walk.fail("auth", e.to_string());
            return;
        }
    };
    let code = api.error_code().unwrap_or("-");
    let rid = api
        .request_id()
        .map(|r| format!(" (request id {r})"))
        .unwrap_or_default();
    let said = format!("HTTP {} {code}: {}{rid}", api.status(), api.advice());
    if api.status() == 401 {
        walk.fail("auth", said);
        return;
    }
    walk.pass("auth", authenticated());
    match api.status() {
        404 if server_id.is_none() => walk.skip("command", "no server id given".into()),
        403 | 404 => walk.fail("command", said),
        s => walk.fail(
            "command",
            format!("HTTP {s} {code}: {}{rid}", api.error_msg().unwrap_or("-")),
        ),
    }
}
