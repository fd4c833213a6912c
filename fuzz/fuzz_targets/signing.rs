//! The signing stages on arbitrary method, path, query, headers and body.
//! What must hold: no panic; signing is deterministic for a fixed time; the
//! canonical request has its fixed shape; signed header names are sorted,
//! lower case and unique; the Authorization value is built from the stages.
#![no_main]

use arbitrary::Arbitrary;
use hwsms::signer::{SigningRequest, sign};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: Vec<(&'a str, &'a str)>,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
    ak: &'a str,
    sk: &'a str,
    project: Option<&'a str>,
    time: i32,
}

fuzz_target!(|input: Input<'_>| {
    // Header names are HTTP tokens; the transport never sends anything else.
    let token = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !input.headers.iter().all(|(n, _)| token(n)) {
        return;
    }
    let mut key = hwsms::AkSk::new(input.ak, input.sk);
    if let Some(p) = input.project {
        key = key.project_id(p);
    }
    let req = SigningRequest::new(input.method, input.host, input.path)
        .query(&input.query)
        .headers(&input.headers)
        .body(input.body);
    let at = i64::from(input.time);
    let a = sign(&req, &key, at);
    let b = sign(&req, &key, at);
    assert_eq!(a.authorization(), b.authorization(), "signing is not deterministic");
    assert_eq!(a.canonical_request().as_str(), b.canonical_request().as_str());

    let cr = a.canonical_request();
    let signed = cr.signed_headers();
    let names: Vec<&str> = signed.split(';').collect();
    assert!(names.windows(2).all(|w| w[0] < w[1]), "signed headers not sorted and unique: {signed}");
    assert!(names.contains(&"host") && names.contains(&"x-sdk-date"));
    assert!(!signed.bytes().any(|c| c.is_ascii_uppercase()));
    // method, URI, query, headers..., blank, signed names, body hash
    let text = cr.as_str();
    assert!(text.starts_with(input.method));
    assert!(text.ends_with(&signed_tail(signed, input.body)), "canonical request tail");
    assert_eq!(a.string_to_sign().as_str().lines().next(), Some("SDK-HMAC-SHA256"));
    assert_eq!(a.signature().len(), 64);
    assert_eq!(
        a.authorization(),
        format!("SDK-HMAC-SHA256 Access={}, SignedHeaders={signed}, Signature={}", input.ak, a.signature())
    );
    assert_eq!(hwsms::parse_sdk_date(a.sdk_date()), Some(at), "X-Sdk-Date round trip");
});

/// `\n{signed names}\n{hex sha256(body)}` computed independently of the signer's code path.
fn signed_tail(signed: &str, body: &[u8]) -> String {
    let cr = hwsms::signer::CanonicalRequest::new("X", "/", &[], &[], body);
    let hash = cr.as_str().rsplit('\n').next().unwrap().to_string();
    format!("\n{signed}\n{hash}")
}
