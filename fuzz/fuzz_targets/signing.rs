//! The signing stages on arbitrary method, path, query, headers and body.
//! What must hold: no panic; the canonical request has its fixed shape and
//! ends with the body's SHA-256; signed header names are sorted, lower case
//! and unique; the string to sign and the signature agree with SHA-256 and
//! HMAC-SHA256 computed here with ring (not through the signer); a changed
//! body changes the signature; the date round-trips.
#![no_main]

use arbitrary::Arbitrary;
use hwsms::auth::signer::{SigningRequest, sign};
use libfuzzer_sys::fuzz_target;
use ring::{digest, hmac};

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
    if !input.body.is_empty() {
        let mut other = input.body.to_vec();
        other[0] ^= 1;
        let changed = SigningRequest::new(input.method, input.host, input.path)
            .query(&input.query)
            .headers(&input.headers)
            .body(&other);
        assert_ne!(sign(&changed, &key, at).signature(), a.signature(), "the body is not signed");
    }

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
    let expected_sts = format!("SDK-HMAC-SHA256\n{}\n{}", a.sdk_date(), hex(digest::digest(&digest::SHA256, text.as_bytes()).as_ref()));
    assert_eq!(a.string_to_sign().as_str(), expected_sts, "string to sign");
    let mac = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, input.sk.as_bytes()), expected_sts.as_bytes());
    assert_eq!(a.signature(), hex(mac.as_ref()), "signature");
    assert_eq!(
        a.authorization(),
        format!("SDK-HMAC-SHA256 Access={}, SignedHeaders={signed}, Signature={}", input.ak, a.signature())
    );
    assert_eq!(hwsms::auth::signer::parse_sdk_date(a.sdk_date()), Some(at), "X-Sdk-Date round trip");
});

/// `\n{signed names}\n{hex sha256(body)}`, hashed here with ring.
fn signed_tail(signed: &str, body: &[u8]) -> String {
    format!("\n{signed}\n{}", hex(digest::digest(&digest::SHA256, body).as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
