//! `SDK-HMAC-SHA256` request signing, byte for byte as Huawei's official SDKs do it.
//!
//! Signing is a pure function of the request, the credentials and a given
//! time: no I/O, no clock, no HTTP library. Each stage is its own value whose
//! `Display` is the exact text of that stage, so every stage can be checked
//! against the official SDK's vectors.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::ops::Range;

use ring::{digest, hmac};

use super::fixed::AkSk;
pub use crate::wire::date::{format_sdk_date, parse_sdk_date};
use crate::wire::server_id::is_unreserved;

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
    let canonical_request = canonical(request, key, &sdk_date);
    let string_to_sign = StringToSign::new(&sdk_date, &canonical_request);
    let signature = hex(hmac::sign(&key.hmac, string_to_sign.0.as_bytes()).as_ref());
    let authorization = authorization(&key.ak, canonical_request.signed_headers(), &signature);
    let scope_headers = key
        .scope_headers()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    SignedRequest {
        sdk_date,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
        scope_headers,
    }
}

/// [`sign`] for sending: the same signature, but only the `X-Sdk-Date` and
/// `Authorization` values come out, and no stage is kept for inspection.
///
/// Every AK/SK request goes through here, so it allocates only the two
/// strings it returns: the headers sit in an array on the stack and the
/// canonical request in a buffer each thread reuses. Requests with more
/// headers than the array holds, or names not in lower case, take the
/// general path.
pub(crate) fn sign_for_wire(
    request: &SigningRequest<'_>,
    key: &AkSk,
    unix_secs: i64,
) -> (String, String) {
    thread_local! {
        static CANONICAL: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let sdk_date = format_sdk_date(unix_secs);
    let mut headers = [("", ""); 8];
    let scope = key.scope_headers().count();
    let n = 2 + scope + request.headers.len();
    let lower_case = request
        .headers
        .iter()
        .all(|(k, _)| matches!(lower(k), Cow::Borrowed(_)));
    if n > headers.len() || !lower_case {
        return general_for_wire(request, key, sdk_date);
    }
    headers[0] = ("host", request.host);
    headers[1] = ("x-sdk-date", sdk_date.as_str());
    for (slot, (name, value)) in headers[2..].iter_mut().zip(key.scope_headers()) {
        *slot = (static_lower(name), value);
    }
    for (slot, (name, value)) in headers[2 + scope..].iter_mut().zip(request.headers) {
        *slot = (static_lower(name), value);
    }
    let authorization = CANONICAL.with_borrow_mut(|text| {
        let signed = write_canonical(
            request.method,
            request.path,
            request.query,
            &mut headers[..n],
            request.body,
            text,
        );
        finish(key, &sdk_date, text, signed)
    });
    (sdk_date, authorization)
}

/// [`sign_for_wire`] through [`canonical`], for any request.
fn general_for_wire(
    request: &SigningRequest<'_>,
    key: &AkSk,
    sdk_date: String,
) -> (String, String) {
    let canonical_request = canonical(request, key, &sdk_date);
    let signed = canonical_request.signed_headers.clone();
    let authorization = finish(key, &sdk_date, &canonical_request.text, signed);
    (sdk_date, authorization)
}

/// Stages 2 to 4 from a canonical request `text` whose signed header names
/// sit at `signed`: the string to sign, fed to the HMAC piece by piece
/// instead of built, the signature, and the `Authorization` value.
fn finish(key: &AkSk, sdk_date: &str, text: &str, signed: Range<usize>) -> String {
    let mut buf = [0u8; 64];
    let digest = digest::digest(&digest::SHA256, text.as_bytes());
    let mut mac = hmac::Context::with_key(&key.hmac);
    for piece in [
        ALGORITHM,
        "\n",
        sdk_date,
        "\n",
        hex_digits(digest.as_ref(), &mut buf),
    ] {
        mac.update(piece.as_bytes());
    }
    let signature = hex_digits(mac.sign().as_ref(), &mut buf);
    authorization(&key.ak, &text[signed], signature)
}

/// The canonical request of `request` signed by `key` at `sdk_date`: `Host`,
/// `X-Sdk-Date`, the key's scope headers and the request's own.
fn canonical(request: &SigningRequest<'_>, key: &AkSk, sdk_date: &str) -> CanonicalRequest {
    let mut lowered: Vec<(Cow<'_, str>, &str)> = Vec::with_capacity(5 + request.headers.len());
    lowered.push((Cow::Borrowed("host"), request.host));
    lowered.push((Cow::Borrowed("x-sdk-date"), sdk_date));
    for (name, value) in key.scope_headers() {
        lowered.push((lower(name), value));
    }
    for (name, value) in request.headers {
        lowered.push((lower(name), value));
    }
    CanonicalRequest::from_lowered(
        request.method,
        request.path,
        request.query,
        lowered,
        request.body,
    )
}

/// Stage 1: method, canonical URI, canonical query, canonical headers, signed
/// header names and the body's SHA-256, one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    /// Where the signed header names sit in `text`.
    signed_headers: Range<usize>,
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
        let lowered = headers.iter().map(|(k, v)| (lower(k), *v)).collect();
        Self::from_lowered(method, path, query, lowered, body)
    }

    /// [`new`](Self::new) for headers whose names are already lower case.
    fn from_lowered(
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        mut lowered: Vec<(Cow<'_, str>, &str)>,
        body: &[u8],
    ) -> Self {
        let mut text = String::new();
        let signed_headers = write_canonical(method, path, query, &mut lowered, body, &mut text);
        CanonicalRequest {
            text,
            signed_headers,
        }
    }

    /// The signed header names, lower case, sorted, joined by `;`.
    pub fn signed_headers(&self) -> &str {
        &self.text[self.signed_headers.clone()]
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

/// Writes the canonical request into `text` (emptied first) and returns
/// where its signed header names sit. `headers` have lower-case names; they
/// are trimmed, sorted and, for equal names, the last one kept (as a map
/// insert would), in place.
fn write_canonical<N: AsRef<str> + Ord>(
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &mut [(N, &str)],
    body: &[u8],
    text: &mut String,
) -> Range<usize> {
    for (_, v) in headers.iter_mut() {
        *v = v.trim();
    }
    insertion_sort(headers, |a, b| a.0 > b.0);
    let mut kept = 0;
    for i in 0..headers.len() {
        if kept > 0 && headers[kept - 1].0 == headers[i].0 {
            headers.swap(kept - 1, i);
        } else {
            headers.swap(kept, i);
            kept += 1;
        }
    }
    let headers = &headers[..kept];
    let names: usize = headers.iter().map(|(k, _)| k.as_ref().len() + 1).sum();
    let values: usize = headers.iter().map(|(_, v)| v.len() + 2).sum();
    text.clear();
    text.reserve(method.len() + 3 * path.len() + names * 2 + values + 80);
    text.push_str(method);
    text.push('\n');
    canonical_uri(path, text);
    text.push('\n');
    canonical_query(query, text);
    text.push('\n');
    for (k, v) in headers {
        text.push_str(k.as_ref());
        text.push(':');
        text.push_str(v);
        text.push('\n');
    }
    text.push('\n');
    let start = text.len();
    for (i, (k, _)) in headers.iter().enumerate() {
        if i > 0 {
            text.push(';');
        }
        text.push_str(k.as_ref());
    }
    let signed_headers = start..text.len();
    text.push('\n');
    if body.is_empty() {
        text.push_str(EMPTY_BODY_SHA256);
    } else {
        hex_into(digest::digest(&digest::SHA256, body).as_ref(), text);
    }
    signed_headers
}

/// Hex SHA-256 of an empty body: every GET signs it.
const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// `name` in lower case without copying: the scope headers' names have
/// static lower-case twins, and a name already in lower case is itself.
/// Any other name comes back as it is; [`lower`] copies those.
fn static_lower(name: &str) -> &str {
    match name {
        "X-Project-Id" => "x-project-id",
        "X-Domain-Id" => "x-domain-id",
        "X-Security-Token" => "x-security-token",
        "Content-Type" => "content-type",
        other => other,
    }
}

/// `name` in lower case, copied only when it is not already.
fn lower(name: &str) -> Cow<'_, str> {
    let name = static_lower(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
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
    hex(hmac::sign(&key, string_to_sign.0.as_bytes()).as_ref())
}

/// Stage 4: the `Authorization` header value.
pub fn authorization(ak: &str, signed_headers: &str, signature: &str) -> String {
    [
        ALGORITHM,
        " Access=",
        ak,
        ", SignedHeaders=",
        signed_headers,
        ", Signature=",
        signature,
    ]
    .concat()
}

/// Percent-decodes, then encodes each segment; always ends with `/`.
fn canonical_uri(path: &str, out: &mut String) {
    // Nothing to decode or encode (every SMS path): taken as it is.
    if path.bytes().all(|b| b == b'/' || is_unreserved(b)) {
        out.push_str(path);
        if !out.ends_with('/') {
            out.push('/');
        }
        return;
    }
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

/// The query as the signature sees it (and as hwsms sends it): pairs in
/// canonical order, each side RFC 3986 encoded.
pub(crate) fn canonical_query_string(query: &[(&str, &str)]) -> String {
    let mut out = String::new();
    canonical_query(query, &mut out);
    out
}

/// Pairs sorted by raw key then raw value, each side encoded, joined by `&`.
fn canonical_query(query: &[(&str, &str)], out: &mut String) {
    if query.is_empty() {
        return;
    }
    let mut pairs = query.to_vec();
    insertion_sort(&mut pairs, |a, b| a > b);
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

/// A stable insertion sort (`after(a, b)`: `a` goes after `b`): a request
/// has a handful of headers and query pairs, and std's sort would add
/// kilobytes of code to the C library for them.
fn insertion_sort<T>(items: &mut [T], after: impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && after(&items[j - 1], &items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    hex_into(bytes, &mut out);
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `bytes` (a digest: 32 bytes) appended to `out`.
fn hex_into(bytes: &[u8], out: &mut String) {
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        let hex = hex_digits(chunk, &mut buf);
        out.push_str(hex);
    }
}

/// Writes the hex of up to 32 `bytes` into `buf` and returns it as text.
fn hex_digits<'b>(bytes: &[u8], buf: &'b mut [u8; 64]) -> &'b str {
    for (pair, b) in buf.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 15)];
    }
    // Only ASCII digits and letters were written.
    std::str::from_utf8(&buf[..2 * bytes.len().min(32)]).unwrap_or_default()
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
    fn the_wire_signature_is_the_full_one() {
        let key = AkSk::new("AK", "SK").project_id("p").security_token("st");
        let body = br#"{"a":1}"#;
        let headers = [("Content-Type", "application/json"), ("X-Extra", " v ")];
        let req = SigningRequest::new("POST", "h:8443", "/v3/a b/%41")
            .query(&[("b", "2"), ("a", "1")])
            .headers(&headers)
            .body(body);
        let full = sign(&req, &key, 1_764_322_215);
        let (date, authorization) = sign_for_wire(&req, &key, 1_764_322_215);
        assert_eq!(
            (date.as_str(), authorization.as_str()),
            (full.sdk_date(), full.authorization())
        );
        // More headers than the stack holds, or a name to lower-case: the
        // general path, with the same result.
        let many: Vec<(&str, &str)> = ["a", "b", "c", "d", "e", "f", "g"]
            .into_iter()
            .map(|n| (n, "1"))
            .collect();
        for headers in [&many[..], &[("X-Other", "v")]] {
            let req = SigningRequest::new("GET", "h", "/x").headers(headers);
            let full = sign(&req, &key, 7);
            let (date, authorization) = sign_for_wire(&req, &key, 7);
            assert_eq!(
                (date.as_str(), authorization.as_str()),
                (full.sdk_date(), full.authorization())
            );
        }
        assert!(full.authorization().ends_with(full.signature()));
        assert_eq!(
            full.canonical_request().signed_headers(),
            "content-type;host;x-extra;x-project-id;x-sdk-date;x-security-token"
        );
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
