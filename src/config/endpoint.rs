//! The SMS endpoint: where requests go, and the `Host` value that is signed.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use crate::error::Error;
use crate::redact::shown;

/// URL scheme of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Https,
    Http,
}

/// A validated endpoint: `https://host[:port]`, or `http://` to a loopback host.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) scheme: Scheme,
    /// Host as given, IPv6 in brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `Host` header value: the host, plus `:port` when not the scheme's default.
    pub(crate) authority: String,
}

impl Endpoint {
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::config(format!(
                "endpoint {} {why}; expected https://host[:port] (http:// only for loopback)",
                shown(url)
            ))
        };
        let (scheme, rest) = if let Some(r) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, r)
        } else if let Some(r) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, r)
        } else {
            return Err(bad("has no https:// scheme"));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#']) {
            return Err(bad("must not have a path, query or fragment"));
        }
        if authority.contains('@') {
            return Err(bad("must not contain credentials"));
        }
        if authority.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(bad("contains spaces or non-ASCII characters"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("has no valid host"))?;
        let default_port = match scheme {
            Scheme::Https => 443,
            Scheme::Http => 80,
        };
        let port = match port {
            None => default_port,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("has an invalid port"))?,
        };
        if scheme == Scheme::Http && !is_loopback(host) {
            return Err(bad(
                "uses plain http:// to a non-loopback host (credentials would travel in clear text)",
            ));
        }
        let authority = if port == default_port {
            host.to_string()
        } else {
            format!("{host}:{port}")
        };
        Ok(Endpoint {
            scheme,
            host: host.to_string(),
            port,
            authority,
        })
    }

    /// True for `https` endpoints.
    pub(crate) fn is_tls(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// Base URL without trailing slash.
    pub(crate) fn base_url(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Https => "https",
            Scheme::Http => "http",
        };
        format!("{scheme}://{}", self.authority)
    }

    /// The host without IPv6 brackets, for proxy bypass rules.
    pub(crate) fn bare_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

/// A credential authority's URL (IAM's, the metadata service's), checked
/// by the endpoint's rules for its scheme and host (https, or http to a
/// loopback host; to a link-local one too when `link_local_http`, as the
/// metadata service is), with any path. Returned without a trailing slash.
pub(crate) fn authority_url(url: &str, what: &str, link_local_http: bool) -> Result<String, Error> {
    let url = url.trim().trim_end_matches('/');
    let bad = |why: &str| Error::config(format!("{what} {} {why}", shown(url)));
    let after_scheme = url
        .find("://")
        .map(|i| i + 3)
        .ok_or_else(|| bad("has no scheme"))?;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    let (origin, path) = url.split_at(end);
    if path.contains(['?', '#']) || path.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(bad("must have a plain path, without a query or spaces"));
    }
    let endpoint = match Endpoint::parse(origin) {
        Ok(e) => e,
        // Plain http to the link-local metadata address is the one
        // exception to "http for loopback only".
        Err(_) if link_local_http && strip_prefix_ci(origin, "http://").is_some() => {
            let as_https = format!("https://{}", &origin["http://".len()..]);
            let e = Endpoint::parse(&as_https).map_err(|_| bad("is not a valid URL"))?;
            if !is_link_local(e.bare_host()) {
                return Err(bad(
                    "uses plain http:// to a host that is neither loopback nor link-local",
                ));
            }
            return Ok(url.to_string());
        }
        Err(e) => return Err(bad(&format!("is not usable ({e})"))),
    };
    Ok(format!("{}{path}", endpoint.base_url()))
}

/// True for link-local addresses (169.254.0.0/16, fe80::/10).
fn is_link_local(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_link_local(),
        Ok(IpAddr::V6(v6)) => v6.is_unicast_link_local(),
        Err(_) => false,
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Splits `host[:port]` or `[v6][:port]`.
pub(crate) fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let host = &authority[..=end];
        host[1..end].parse::<std::net::Ipv6Addr>().ok()?;
        match &authority[end + 1..] {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let valid = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
    valid.then_some((host, port))
}

/// 127.0.0.0/8, ::1 and `localhost`: the only hosts plain HTTP may reach.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4: Ipv4Addr| v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_endpoints() {
        let e = Endpoint::parse("https://sms.cn-north-4.myhuaweicloud.com").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.port),
            ("sms.cn-north-4.myhuaweicloud.com", 443)
        );
        let e = Endpoint::parse("HTTPS://10.1.2.3:8443/").unwrap();
        assert_eq!(e.authority, "10.1.2.3:8443");
        assert_eq!(e.base_url(), "https://10.1.2.3:8443");
        let e = Endpoint::parse("https://[::1]:443").unwrap();
        assert_eq!((e.authority.as_str(), e.bare_host()), ("[::1]", "::1"));
    }

    #[test]
    fn http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:1",
            "http://[::1]:80",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1",
            "http://example.com",
            "http://128.0.0.1",
            "http://localhost.evil.com",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_input_is_repeated_short_and_escaped() {
        let huge = format!("https://{}", "a".repeat(1 << 20));
        let e = Endpoint::parse(&format!("{huge}/path"))
            .unwrap_err()
            .to_string();
        assert!(e.len() < 400, "{} bytes", e.len());
        let e = Endpoint::parse("https://h\r\nInjected: 1\x1b[2J")
            .unwrap_err()
            .to_string();
        assert!(
            !e.contains('\r') && !e.contains('\n') && !e.contains('\x1b'),
            "{e:?}"
        );
        assert!(e.contains("\\r\\n"), "{e}");
    }

    #[test]
    fn malformed_endpoints() {
        for bad in [
            "",
            "sms.example.com",
            "ftp://x",
            "https://",
            "https://h:0",
            "https://h:99999",
            "https://h/v3",
            "https://h?x",
            "https://u:p@h",
            "https://h h",
            "https://[::1",
            "https://h:",
            "https://[zz]",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn authority_urls_keep_their_path_and_the_endpoint_rules() {
        let iam = |u: &str| authority_url(u, "OS_AUTH_URL", false);
        assert_eq!(
            iam("https://iam.ap-southeast-3.myhuaweicloud.com/v3/").unwrap(),
            "https://iam.ap-southeast-3.myhuaweicloud.com/v3"
        );
        assert_eq!(
            iam("http://127.0.0.1:5000/v3").unwrap(),
            "http://127.0.0.1:5000/v3"
        );
        for bad in [
            "http://iam.example/v3",
            "iam.example/v3",
            "https://iam.example/v3?x=1",
            "https://u:p@iam.example/v3",
            "http://169.254.169.254",
        ] {
            let e = iam(bad).unwrap_err().to_string();
            assert!(e.contains("OS_AUTH_URL"), "{bad}: {e}");
        }
        let metadata = |u: &str| authority_url(u, "HWSMS_METADATA_ENDPOINT", true);
        assert_eq!(
            metadata("http://169.254.169.254").unwrap(),
            "http://169.254.169.254"
        );
        assert_eq!(
            metadata("http://[fe80::1]:80/").unwrap(),
            "http://[fe80::1]:80"
        );
        assert_eq!(
            metadata("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(metadata("http://10.0.0.1").is_err());
        assert!(metadata("http://169.254.169.254:0").is_err());
    }
}
