//! HTTP CONNECT proxies: explicit, or from the environment by curl's rules.

use std::fmt;
use std::net::IpAddr;

use super::endpoint::{Endpoint, Scheme, split_host_port};
use crate::error::Error;

/// How a [`Config`](crate::Config) reaches the endpoint.
///
/// ```no_run
/// use hwsms::{Config, Credentials, ProxyChoice};
///
/// // An explicit proxy; the password is percent-decoded and never printed.
/// let via_proxy = Config::for_region("cn-north-4", Credentials::token("MIIT..."))
///     .proxy(ProxyChoice::Url("http://agent:p%40ss@10.0.0.8:3128".into()))
///     .build()?;
/// // HTTPS_PROXY / NO_PROXY, by curl's rules (ignored unless asked for).
/// let from_env = Config::for_region("cn-north-4", Credentials::token("MIIT..."))
///     .proxy(ProxyChoice::FromEnv)
///     .build()?;
/// # let _ = (via_proxy, from_env);
/// # Ok::<_, hwsms::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProxyChoice {
    /// Connect directly, whatever the environment says. The default.
    #[default]
    Direct,
    /// Tunnel through this proxy: `http://[user:pass@]host:port`. Percent-encoded
    /// credentials are decoded before the `Proxy-Authorization: Basic` header is built.
    Url(String),
    /// Read the proxy from the environment with curl's rules: `https_proxy`/`HTTPS_PROXY`
    /// for https endpoints, `http_proxy`/`HTTP_PROXY` for http ones, `all_proxy`/`ALL_PROXY`
    /// only as a fallback, and `no_proxy`/`NO_PROXY` for exceptions.
    FromEnv,
}

impl fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyChoice::Direct => f.write_str("Direct"),
            ProxyChoice::Url(u) => match ProxyUrl::parse(u) {
                Ok(p) => write!(f, "Url({p})"),
                Err(_) => f.write_str("Url(<invalid>)"),
            },
            ProxyChoice::FromEnv => f.write_str("FromEnv"),
        }
    }
}

/// A parsed proxy URL; its `Display` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ProxyUrl {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
}

impl ProxyUrl {
    /// Parses `[http://][user[:pass]@]host[:port]`; the port defaults to 1080 as in curl.
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        // Never echo the URL: it may carry a password.
        let bad = |why: &str| {
            Error::config(format!(
                "invalid proxy URL: {why}; expected http://[user:pass@]host:port"
            ))
        };
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some(_) => return Err(bad("only http:// proxies are supported")),
            None => url,
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        if hostport.contains(['/', '?', '#']) {
            return Err(bad("it must not have a path"));
        }
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("no valid host"))?;
        let port = match port {
            None => 1080,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("invalid port"))?,
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => {
                let (user, pass) = match u.split_once(':') {
                    Some((a, b)) => (a, Some(b)),
                    None => (u, None),
                };
                let decode = |s: &str| {
                    percent_decode_utf8(s)
                        .ok_or_else(|| bad("credentials are not valid percent-encoded UTF-8"))
                };
                (Some(decode(user)?), pass.map(decode).transpose()?)
            }
        };
        Ok(ProxyUrl {
            host: host.to_string(),
            port,
            username,
            password,
        })
    }

    pub(crate) fn to_ureq(&self) -> Result<ureq::Proxy, Error> {
        let mut b = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
            .host(self.host.trim_start_matches('[').trim_end_matches(']'))
            .port(self.port);
        if let Some(u) = &self.username {
            b = b.username(u);
        }
        if let Some(p) = &self.password {
            b = b.password(p);
        }
        b.build()
            .map_err(|_| Error::config(format!("invalid proxy {self}")))
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("http://")?;
        if let Some(u) = &self.username {
            write!(f, "{u}")?;
            if self.password.is_some() {
                f.write_str(":[REDACTED]")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Resolves the proxy to use for `endpoint`, or `None` to connect directly.
pub(crate) fn resolve(
    choice: &ProxyChoice,
    endpoint: &Endpoint,
) -> Result<Option<ProxyUrl>, Error> {
    resolve_with(choice, endpoint, |name| std::env::var(name).ok())
}

pub(crate) fn resolve_with(
    choice: &ProxyChoice,
    endpoint: &Endpoint,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ProxyUrl>, Error> {
    match choice {
        ProxyChoice::Direct => Ok(None),
        ProxyChoice::Url(u) => ProxyUrl::parse(u).map(Some),
        ProxyChoice::FromEnv => {
            // curl's order: the scheme's own variable, then ALL_PROXY; lower case first.
            let names: &[&str] = match endpoint.scheme {
                Scheme::Https => &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
                Scheme::Http => &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"],
            };
            let get = |n: &&str| env(n).filter(|v| !v.trim().is_empty());
            let Some(url) = names.iter().find_map(get) else {
                return Ok(None);
            };
            let no_proxy = ["no_proxy", "NO_PROXY"]
                .iter()
                .find_map(get)
                .unwrap_or_default();
            if no_proxy_matches(&no_proxy, endpoint.bare_host()) {
                return Ok(None);
            }
            ProxyUrl::parse(url.trim()).map(Some)
        }
    }
}

/// True when a `NO_PROXY` list exempts `host`.
///
/// Entries are separated by commas or spaces: `*` matches everything; an IP
/// or CIDR range (`10.0.0.0/8`, `::1/128`) matches IP-literal hosts in it;
/// a name matches itself and its subdomains, with or without a leading dot.
/// Names are not resolved, as in curl.
pub fn no_proxy_matches(no_proxy: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.');
    let host_ip = host.parse::<IpAddr>().ok();
    no_proxy
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                return match (host_ip, parse_ip(net), bits.parse::<u8>()) {
                    (Some(h), Some(n), Ok(b)) => in_cidr(h, n, b),
                    _ => false,
                };
            }
            if let (Some(h), Some(e)) = (host_ip, parse_ip(entry)) {
                return h == e;
            }
            let name = entry.trim_start_matches('.').trim_end_matches('.');
            // Ignore a `:port` suffix: the rule is about hosts.
            let name = match name.rsplit_once(':') {
                Some((n, p)) if p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => name,
            };
            !name.is_empty()
                && (host.eq_ignore_ascii_case(name)
                    || (host.len() > name.len()
                        && host.as_bytes()[host.len() - name.len() - 1] == b'.'
                        && host[host.len() - name.len()..].eq_ignore_ascii_case(name)))
        })
}

#[cfg(test)]
mod cidr_tests {
    use super::*;

    #[test]
    fn ipv4_prefix_boundaries() {
        assert!(no_proxy_matches("0.0.0.0/0", "203.0.113.9"));
        assert!(no_proxy_matches("10.0.0.0/9", "10.127.255.255"));
        assert!(!no_proxy_matches("10.0.0.0/9", "10.128.0.0"));
        assert!(no_proxy_matches("192.168.1.7/32", "192.168.1.7"));
        assert!(!no_proxy_matches("192.168.1.7/32", "192.168.1.6"));
        assert!(no_proxy_matches("192.168.1.6/31", "192.168.1.7"));
        assert!(!no_proxy_matches("192.168.1.6/31", "192.168.1.8"));
        assert!(!no_proxy_matches("10.0.0.0/33", "10.0.0.1"));
        // An IPv4 range never matches an IPv6 host.
        assert!(!no_proxy_matches("0.0.0.0/0", "[::1]"));
    }

    #[test]
    fn ipv6_prefix_boundaries() {
        assert!(no_proxy_matches("::/0", "[2001:db8::1]"));
        assert!(no_proxy_matches("2001:db8::/32", "[2001:db8:ffff::1]"));
        assert!(!no_proxy_matches("2001:db8::/32", "[2001:db9::1]"));
        assert!(no_proxy_matches("2001:db8::/127", "[2001:db8::1]"));
        assert!(!no_proxy_matches("2001:db8::/127", "[2001:db8::2]"));
        assert!(no_proxy_matches("2001:db8::5/128", "[2001:db8::5]"));
        assert!(!no_proxy_matches("2001:db8::5/128", "[2001:db8::4]"));
        assert!(no_proxy_matches("[2001:db8::]/33", "[2001:db8:7fff::1]"));
        assert!(!no_proxy_matches("[2001:db8::]/33", "[2001:db8:8000::1]"));
        // Past 128 bits is not a range (and must not overflow the shift).
        assert!(!no_proxy_matches("::1/129", "[::1]"));
        assert!(!no_proxy_matches("::/0", "10.0.0.1"));
    }

    #[test]
    fn an_explicit_proxy_is_used_whatever_the_environment() {
        let endpoint = Endpoint::parse("https://sms.example.com").unwrap();
        let choice = ProxyChoice::Url("http://proxy.example:3128".into());
        let proxy = resolve(&choice, &endpoint).unwrap().expect("a proxy");
        assert_eq!((proxy.host.as_str(), proxy.port), ("proxy.example", 3128));
        assert!(resolve(&ProxyChoice::Direct, &endpoint).unwrap().is_none());
    }

    #[test]
    fn debug_shows_the_proxy_but_not_its_password() {
        let d = format!(
            "{:?}",
            ProxyChoice::Url("http://u:pw-MARKER@proxy.example:3128".into())
        );
        assert!(
            d.contains("proxy.example:3128") && d.contains("u:[REDACTED]"),
            "{d}"
        );
        assert!(!d.contains("pw-MARKER"), "{d}");
        assert_eq!(format!("{:?}", ProxyChoice::FromEnv), "FromEnv");
        let url = ProxyUrl::parse("http://u:pw-MARKER@proxy.example:3128").unwrap();
        let d = format!("{url:?}");
        assert!(
            d.contains("proxy.example") && !d.contains("pw-MARKER"),
            "{d}"
        );
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

fn in_cidr(host: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (host, net) {
        (IpAddr::V4(h), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(h) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(h), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(h) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn percent_decode_utf8(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_decodes_credentials() {
        let p = ProxyUrl::parse("http://us%40er:p%3Ass%25w0rd@proxy.corp:3128").unwrap();
        assert_eq!(p.username.as_deref(), Some("us@er"));
        assert_eq!(p.password.as_deref(), Some("p:ss%w0rd"));
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.to_string(), "http://us@er:[REDACTED]@proxy.corp:3128");
        let p = ProxyUrl::parse("10.0.0.1").unwrap();
        assert_eq!((p.port, p.username), (1080, None));
        let e = ProxyUrl::parse("socks5://u:SECRETPW@h:1")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("SECRETPW"), "{e}");
        assert!(ProxyUrl::parse("http://u:%zz@h:1").is_err());
        assert!(ProxyUrl::parse("http://h:1/path").is_err());
        let dbg = format!("{:?}", ProxyChoice::Url("http://u:SECRETPW@h:1".into()));
        assert!(!dbg.contains("SECRETPW"), "{dbg}");
    }

    #[test]
    fn no_proxy_rules() {
        assert!(no_proxy_matches("*", "anything.example"));
        assert!(no_proxy_matches("example.com", "example.com"));
        assert!(no_proxy_matches("example.com", "sms.EXAMPLE.com"));
        assert!(no_proxy_matches(".example.com", "sms.example.com"));
        assert!(no_proxy_matches(".example.com", "example.com"));
        assert!(!no_proxy_matches("example.com", "badexample.com"));
        assert!(!no_proxy_matches("sms.example.com", "example.com"));
        assert!(no_proxy_matches("foo, 10.0.0.0/8", "10.20.30.40"));
        assert!(!no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
        assert!(no_proxy_matches("127.0.0.0/8", "127.0.0.1"));
        assert!(no_proxy_matches("::1/128", "[::1]"));
        assert!(no_proxy_matches("0.0.0.0/0", "8.8.8.8"));
        assert!(no_proxy_matches("192.168.1.5", "192.168.1.5"));
        assert!(!no_proxy_matches("192.168.1.5", "192.168.1.6"));
        assert!(no_proxy_matches("localhost:8080", "localhost"));
        assert!(!no_proxy_matches("", "x"));
        assert!(!no_proxy_matches("10.0.0.0/33", "10.0.0.1"));
        assert!(!no_proxy_matches("10.0.0.0/8", "ten.example"));
        // Same length, another name: no match (and no out-of-range index).
        assert!(!no_proxy_matches("example.org", "example.com"));
        // A suffix that is not a port stays part of the name.
        assert!(!no_proxy_matches("example.com:http", "example.com"));
        assert!(no_proxy_matches("example.com:8443", "example.com"));
    }

    #[test]
    fn env_rules_follow_curl() {
        let https = Endpoint::parse("https://sms.example.com").unwrap();
        let http = Endpoint::parse("http://127.0.0.1:9").unwrap();
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                vars.iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            }
        };
        let host = |r: Result<Option<ProxyUrl>, Error>| r.unwrap().map(|p| p.host);
        let vars = &[
            ("ALL_PROXY", "http://all:1"),
            ("HTTPS_PROXY", "http://s:1"),
            ("HTTP_PROXY", "http://p:1"),
        ];
        assert_eq!(
            host(resolve_with(&ProxyChoice::FromEnv, &https, env(vars))).as_deref(),
            Some("s")
        );
        assert_eq!(
            host(resolve_with(&ProxyChoice::FromEnv, &http, env(vars))).as_deref(),
            Some("p")
        );
        let only_all = &[("ALL_PROXY", "http://all:1")];
        assert_eq!(
            host(resolve_with(&ProxyChoice::FromEnv, &https, env(only_all))).as_deref(),
            Some("all")
        );
        let lower_first = &[
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:1"),
        ];
        assert_eq!(
            host(resolve_with(
                &ProxyChoice::FromEnv,
                &https,
                env(lower_first)
            ))
            .as_deref(),
            Some("lower")
        );
        let bypass = &[("HTTPS_PROXY", "http://s:1"), ("NO_PROXY", ".example.com")];
        assert_eq!(
            host(resolve_with(&ProxyChoice::FromEnv, &https, env(bypass))),
            None
        );
        assert_eq!(
            host(resolve_with(&ProxyChoice::Direct, &https, env(vars))),
            None
        );
    }
}
