//! The diagnosis's own probes: name resolution as the calls do it, a TCP
//! connection, a CONNECT tunnel, and an unauthenticated request that reads
//! the gateway's clock. Each is bounded by the config's connect timeout.

use std::fmt::{self, Write as _};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::time::{Duration as UreqDuration, Instant as UreqInstant};
use ureq::unversioned::transport::{
    Buffers, LazyBuffers, NextTimeout, Transport, TransportAdapter,
};

use crate::advice;
use crate::auth::clock::host_now;
use crate::config::Config;
use crate::config::proxy::ProxyUrl;
use crate::limits::MAX_PROBE_HEAD;
use crate::transport::resolver::LiteralFirst;
use crate::wire::date::parse_http_date;

pub(super) enum Resolved {
    Literal(SocketAddr),
    Names(Vec<SocketAddr>),
    Failed(String),
}

/// Resolves as every call does (ureq's resolver, bounded by `limit`).
pub(super) fn resolve(config: &Config, host: &str, port: u16, limit: Duration) -> Resolved {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Resolved::Literal(SocketAddr::new(ip, port));
    }
    let Ok(uri) = format!("http://{host}:{port}/").parse::<ureq::http::Uri>() else {
        return Resolved::Failed("not a host name".into());
    };
    let timeout = NextTimeout {
        after: UreqDuration::Exact(limit),
        reason: ureq::Timeout::Resolve,
        per_read: None,
        per_write: None,
    };
    match LiteralFirst::default().resolve(&uri, config.agent().config(), timeout) {
        Ok(addrs) if !addrs.is_empty() => Resolved::Names(addrs.iter().copied().collect()),
        Ok(_) => Resolved::Failed("no addresses".into()),
        Err(ureq::Error::Timeout(_)) => Resolved::Failed(format!("no answer within {limit:?}")),
        Err(ureq::Error::HostNotFound) => Resolved::Failed("host not found".into()),
        Err(e) => Resolved::Failed(e.to_string()),
    }
}

pub(super) fn connect(addrs: &[SocketAddr], limit: Duration) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in addrs.iter().take(4) {
        match TcpStream::connect_timeout(addr, limit) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address")))
}

pub(super) fn connect_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            "no answer in time: a firewall may drop the packets".into()
        }
        _ => e.to_string(),
    }
}

/// Opens a CONNECT tunnel through the proxy on `tcp`.
pub(super) fn open_tunnel(
    tcp: &mut TcpStream,
    proxy: &ProxyUrl,
    target: &str,
) -> Result<(), String> {
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(user) = &proxy.username {
        let pass = proxy.password.as_deref().unwrap_or_default();
        let _ = write!(
            request,
            "Proxy-Authorization: Basic {}\r\n",
            base64(format!("{user}:{pass}").as_bytes())
        );
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())
        .map_err(|e| format!("the proxy {proxy} dropped the connection ({e})"))?;
    let head = read_head(|b| tcp.read(b))
        .map_err(|e| format!("the proxy {proxy} did not answer ({e})"))?;
    let status_line = head.lines().next().unwrap_or_default().to_string();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match status {
        200..=299 => Ok(()),
        // tinyproxy answers a failed login with 401, not 407.
        401 | 407 => Err(format!("{} ({status_line})", advice::proxy_auth(proxy))),
        403 => Err(format!(
            "the proxy {proxy} blocks the tunnel to {target} ({status_line}); ask for {target} \
             to be allowed"
        )),
        _ => Err(format!(
            "the proxy {proxy} would not open a tunnel to {target} ({status_line})"
        )),
    }
}

/// Reads a response head (up to the blank line), bounded, through `recv`.
fn read_head(mut recv: impl FnMut(&mut [u8]) -> std::io::Result<usize>) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_PROBE_HEAD {
            return Err(std::io::Error::other("response head too large"));
        }
        match recv(&mut byte)? {
            0 if head.is_empty() => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            0 => break,
            _ => head.push(byte[0]),
        }
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// A byte stream the clock request can use: TCP or TLS over TCP. Only the
/// two methods it needs, so each stream type adds two functions, not the
/// whole of `Read` and `Write`.
pub(super) trait Wire {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<usize>;
}

impl<T: Read + Write> Wire for T {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_all(bytes)?;
        self.flush()
    }
    fn recv(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read(buf)
    }
}

/// Wraps a TCP connection in ureq's own transport types, the ones the
/// request path uses, so the TLS code of the diagnosis is the same machine
/// code as every call's (the C library stays small).
pub(super) fn wire(tcp: TcpStream, limit: Duration) -> TransportAdapter {
    let transport = PlainTcp {
        stream: tcp,
        buffers: LazyBuffers::new(16 * 1024, 16 * 1024),
    };
    let mut sock = TransportAdapter::new(transport.boxed(), Arc::new(UreqInstant::now));
    sock.set_timeout(NextTimeout {
        after: UreqDuration::Exact(limit),
        reason: ureq::Timeout::Connect,
        per_read: None,
        per_write: None,
    });
    sock
}

/// A TCP stream as a ureq transport (ureq keeps its own private).
struct PlainTcp {
    stream: TcpStream,
    buffers: LazyBuffers,
}

impl fmt::Debug for PlainTcp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainTcp")
    }
}

impl PlainTcp {
    fn limit(timeout: NextTimeout) -> Option<Duration> {
        match timeout.after {
            UreqDuration::Exact(d) => Some(d.max(Duration::from_millis(1))),
            UreqDuration::NotHappening => None,
        }
    }
}

impl Transport for PlainTcp {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.set_write_timeout(Self::limit(timeout))?;
        self.stream.write_all(&self.buffers.output()[..amount])?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.set_read_timeout(Self::limit(timeout))?;
        let n = self.stream.read(self.buffers.input_append_buf())?;
        self.buffers.input_appended(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        true
    }
}

/// Sends an unauthenticated request and reads the gateway's `Date`:
/// gateway minus host, in seconds.
pub(super) fn clock_request(
    mut stream: Box<dyn Wire>,
    authority: &str,
    user_agent: &str,
) -> Option<i64> {
    // The same User-Agent as the calls it diagnoses: a proxy or gateway rule
    // that filters on it treats both alike.
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {user_agent}\r\nConnection: close\r\n\r\n"
    );
    stream.send(request.as_bytes()).ok()?;
    let head = read_head(|b| stream.recv(b)).ok()?;
    let at = host_now();
    let date = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("date")
            .then(|| value.trim().to_string())
    })?;
    Some(parse_http_date(&date)? - at)
}

/// Standard base64, for the proxy's Basic credentials.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_in_an_operators_words() {
        use std::io::{Error, ErrorKind};
        for kind in [ErrorKind::TimedOut, ErrorKind::WouldBlock] {
            assert_eq!(
                connect_error(&Error::from(kind)),
                "no answer in time: a firewall may drop the packets"
            );
        }
        assert_eq!(
            connect_error(&Error::from(ErrorKind::ConnectionRefused)),
            "connection refused"
        );
        assert_eq!(connect_error(&Error::other("odd")), "odd");
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("agent:pa-ss", "YWdlbnQ6cGEtc3M="),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }
}
