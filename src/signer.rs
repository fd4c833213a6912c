//! `SDK-HMAC-SHA256` request signing, byte for byte as Huawei's official SDKs do it.
//!
//! Signing is a pure function of the request, the credentials and a given
//! time: no I/O, no clock, no HTTP library. Each stage is its own value whose
//! `Display` is the exact text of that stage, so every stage can be checked
//! against the official SDK's vectors.

use std::fmt::{self, Write as _};

use ring::{digest, hmac};

pub use crate::clock::{format_sdk_date, parse_sdk_date};
use crate::credentials::AkSk;
use crate::server_id::is_unreserved;

/// The algorithm name that starts the string to sign and the `Authorization` value.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The parts of an HTTP request that the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SigningRequest<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
}

impl<'a> SigningRequest<'a> {
    /// A request with no query, no extra headers and an empty body.
    ///
    /// `host` is the `Host` header exactly as sent (with `:port` when the port
    /// is not the scheme's default); `path` is the request path without query.
    pub fn new(method: &'a str, host: &'a str, path: &'a str) -> Self {
        SigningRequest {
            method,
            host,
            path,
            query: &[],
            headers: &[],
            body: &[],
        }
    }

    /// Query parameters, unencoded. Defaults to none.
    pub fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    /// Further headers to sign (e.g. `Content-Type`). Defaults to none.
    pub fn headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The request body. Defaults to empty.
    pub fn body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }
}

/// The result of [`sign`]: every stage, and the headers to add to the request.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    sdk_date: String,
    canonical_request: CanonicalRequest,
    string_to_sign: StringToSign,
    signature: String,
    authorization: String,
    scope_headers: Vec<(&'static str, String)>,
}

impl SignedRequest {
    /// The `X-Sdk-Date` value (`YYYYMMDDTHHMMSSZ`).
    pub fn sdk_date(&self) -> &str {
        &self.sdk_date
    }
    /// Stage 1: the canonical request.
    pub fn canonical_request(&self) -> &CanonicalRequest {
        &self.canonical_request
    }
    /// Stage 2: the string to sign.
    pub fn string_to_sign(&self) -> &StringToSign {
        &self.string_to_sign
    }
    /// Stage 3: the hex HMAC-SHA256 signature.
    pub fn signature(&self) -> &str {
        &self.signature
    }
    /// Stage 4: the `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The headers to add to the request, besides `Host` and the caller's own:
    /// `X-Sdk-Date`, the scope and security-token headers, and `Authorization`.
    ///
    /// The values include the security token; do not log them.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [("X-Sdk-Date", self.sdk_date.as_str())]
            .into_iter()
            .chain(self.scope_headers.iter().map(|(k, v)| (*k, v.as_str())))
            .chain([("Authorization", self.authorization.as_str())])
    }
}

/// Signs `request` with `key` as of `unix_secs` (UTC seconds since 1970).
///
/// `Host`, `X-Sdk-Date`, the key's scope headers and the request's own
/// headers are all signed.
pub fn sign(request: &SigningRequest<'_>, key: &AkSk, unix_secs: i64) -> SignedRequest {
    let sdk_date = format_sdk_date(unix_secs);
    let scope = key.scope_headers();
    let mut headers: Vec<(&str, &str)> =
        Vec::with_capacity(2 + scope.len() + request.headers.len());
    headers.push(("Host", request.host));
    headers.push(("X-Sdk-Date", &sdk_date));
    headers.extend(scope.iter().copied());
    headers.extend(request.headers.iter().copied());

    let canonical_request = CanonicalRequest::new(
        request.method,
        request.path,
        request.query,
        &headers,
        request.body,
    );
    let string_to_sign = StringToSign::new(&sdk_date, &canonical_request);
    let signature = signature(key.sk.expose(), &string_to_sign);
    let authorization = authorization(&key.ak, canonical_request.signed_headers(), &signature);
    let scope_headers = scope.into_iter().map(|(k, v)| (k, v.to_string())).collect();
    SignedRequest {
        sdk_date,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
        scope_headers,
    }
}

/// Stage 1: method, canonical URI, canonical query, canonical headers, signed
/// header names and the body's SHA-256, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    signed_headers: String,
}

impl CanonicalRequest {
    /// Builds the canonical request. `headers` must include `Host` and
    /// `X-Sdk-Date`; every header given is signed.
    pub fn new(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Self {
        let mut text = String::with_capacity(256);
        text.push_str(method);
        text.push('\n');
        canonical_uri(path, &mut text);
        text.push('\n');
        canonical_query(query, &mut text);
        text.push('\n');

        let mut lowered: Vec<(String, &str)> = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim()))
            .collect();
        // Stable sort, then keep the last of equal names, as a map insert would.
        lowered.sort_by(|a, b| a.0.cmp(&b.0));
        let mut unique: Vec<(String, &str)> = Vec::with_capacity(lowered.len());
        for (k, v) in lowered {
            match unique.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => unique.push((k, v)),
            }
        }
        for (k, v) in &unique {
            text.push_str(k);
            text.push(':');
            text.push_str(v);
            text.push('\n');
        }
        text.push('\n');
        let signed_headers = unique
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(";");
        text.push_str(&signed_headers);
        text.push('\n');
        hex_into(digest::digest(&digest::SHA256, body).as_ref(), &mut text);
        CanonicalRequest {
            text,
            signed_headers,
        }
    }

    /// The signed header names, lower case, sorted, joined by `;`.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The canonical request text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Stage 2: `SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex sha256(canonical request)}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringToSign(String);

impl StringToSign {
    /// Builds the string to sign for `sdk_date` (the `X-Sdk-Date` value).
    pub fn new(sdk_date: &str, canonical_request: &CanonicalRequest) -> Self {
        let mut s = String::with_capacity(ALGORITHM.len() + sdk_date.len() + 66);
        s.push_str(ALGORITHM);
        s.push('\n');
        s.push_str(sdk_date);
        s.push('\n');
        hex_into(
            digest::digest(&digest::SHA256, canonical_request.text.as_bytes()).as_ref(),
            &mut s,
        );
        StringToSign(s)
    }

    /// The string to sign.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stage 3: hex HMAC-SHA256 of the string to sign, keyed by the secret key.
pub fn signature(sk: &str, string_to_sign: &StringToSign) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, sk.as_bytes());
    let tag = hmac::sign(&key, string_to_sign.0.as_bytes());
    let mut out = String::with_capacity(64);
    hex_into(tag.as_ref(), &mut out);
    out
}

/// Stage 4: the `Authorization` header value.
pub fn authorization(ak: &str, signed_headers: &str, signature: &str) -> String {
    format!("{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// Percent-decodes, then encodes each segment; always ends with `/`.
fn canonical_uri(path: &str, out: &mut String) {
    // The SDK unquotes first (lossy UTF-8, like Python's unquote) so a path
    // given encoded or not signs the same.
    let decoded = percent_decode(path);
    let decoded = String::from_utf8_lossy(&decoded);
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_into(segment, out);
    }
    if !out.ends_with('/') {
        out.push('/');
    }
}

/// Pairs sorted by raw key then raw value, each side encoded, joined by `&`.
fn canonical_query(query: &[(&str, &str)], out: &mut String) {
    let mut pairs = query.to_vec();
    pairs.sort();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(k, out);
        out.push('=');
        encode_into(v, out);
    }
}

/// RFC 3986 encoding: unreserved bytes kept, every other byte as `%XX`.
fn encode_into(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn hex_into(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding_matches_python_quote() {
        let mut s = String::new();
        canonical_uri("/v3/a b/%2F/é~", &mut s);
        // %2F decodes to '/', which then splits like the SDK does.
        assert_eq!(s, "/v3/a%20b///%C3%A9~/");
        let mut s = String::new();
        canonical_uri("", &mut s);
        assert_eq!(s, "/");
        let mut s = String::new();
        canonical_uri("/x/%zz%4", &mut s);
        assert_eq!(s, "/x/%25zz%254/");
    }

    #[test]
    fn signing_is_deterministic_and_time_dependent() {
        let key = AkSk::new("AK", "SK").project_id("p");
        let req = SigningRequest::new("GET", "h", "/v3/sources/x/command");
        let a = sign(&req, &key, 1_764_322_215);
        let b = sign(&req, &key, 1_764_322_215);
        let c = sign(&req, &key, 1_764_322_216);
        assert_eq!(a.authorization(), b.authorization());
        assert_ne!(a.signature(), c.signature());
        let names: Vec<_> = a.headers().map(|(k, _)| k).collect();
        assert_eq!(names, ["X-Sdk-Date", "X-Project-Id", "Authorization"]);
        assert_eq!(a.sdk_date(), "20251128T093015Z");
    }
}
