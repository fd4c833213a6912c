//! The authentication headers of one request: the token as it is, or a
//! signature made fresh for this request, as HTTP header names and values.

use ureq::http::header::{AUTHORIZATION, InvalidHeaderValue};
use ureq::http::{HeaderName, HeaderValue};

use super::fixed::Fixed;
use super::signer::{SigningRequest, sign_for_wire};

const X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
const X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
const X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
const X_DOMAIN_ID: HeaderName = HeaderName::from_static("x-domain-id");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");

/// The header values of a set of credentials that stay the same from
/// request to request: the token, or the scope headers of an AK/SK pair.
/// Made once, so that a request clones them (a reference count) instead of
/// copying them.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    fixed: Vec<(HeaderName, HeaderValue)>,
}

/// A header value; secret ones are marked sensitive, so the HTTP library
/// never shows them.
fn value(v: &str, secret: bool) -> Result<HeaderValue, InvalidHeaderValue> {
    let mut v = HeaderValue::from_str(v)?;
    v.set_sensitive(secret);
    Ok(v)
}

impl Prepared {
    /// The fixed headers of `credentials`.
    ///
    /// # Errors
    ///
    /// A value that cannot be a header (checked with the credentials before).
    pub(crate) fn new(credentials: &Fixed) -> Result<Prepared, InvalidHeaderValue> {
        let fixed = match credentials {
            Fixed::Token(t) => vec![(X_AUTH_TOKEN, value(t.expose(), true)?)],
            Fixed::AkSk(key) => key
                .scope_headers()
                .map(|(name, v)| match name {
                    "X-Project-Id" => Ok((X_PROJECT_ID, value(v, false)?)),
                    "X-Domain-Id" => Ok((X_DOMAIN_ID, value(v, false)?)),
                    _ => Ok((X_SECURITY_TOKEN, value(v, true)?)),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Prepared { fixed })
    }
}

/// Adds the headers that authenticate `request` with `credentials` (whose
/// fixed values are `prepared`) through `add`, in the order the official
/// SDKs send them. `gateway_now` is asked for the time only when a
/// signature needs it.
///
/// Names are static and the signature's own strings move into their
/// headers: this runs once per request, and every copy counts.
///
/// # Errors
///
/// A value that cannot be a header; the config's checks rule that out.
pub(crate) fn authorize(
    credentials: &Fixed,
    prepared: &Prepared,
    request: &SigningRequest<'_>,
    gateway_now: impl FnOnce() -> i64,
    mut add: impl FnMut(HeaderName, HeaderValue),
) -> Result<(), InvalidHeaderValue> {
    let fixed = prepared.fixed.iter().cloned();
    let Fixed::AkSk(key) = credentials else {
        fixed.for_each(|(name, value)| add(name, value));
        return Ok(());
    };
    let (date, authorization) = sign_for_wire(request, key, gateway_now());
    add(X_SDK_DATE, HeaderValue::try_from(date)?);
    fixed.for_each(|(name, value)| add(name, value));
    let mut authorization = HeaderValue::try_from(authorization)?;
    authorization.set_sensitive(true);
    add(AUTHORIZATION, authorization);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::fixed::{AkSk, Secret};
    use crate::auth::signer::sign;

    fn headers(credentials: &Fixed, now: impl FnOnce() -> i64) -> Vec<(String, String)> {
        let req = SigningRequest::new("GET", "h", "/v3/sources/x/command");
        let mut out = Vec::new();
        let prepared = Prepared::new(credentials).unwrap();
        authorize(credentials, &prepared, &req, now, |k, v| {
            out.push((k.to_string(), v.to_str().unwrap().to_string()))
        })
        .unwrap();
        out
    }

    #[test]
    fn a_token_is_sent_as_is_and_a_key_signs() {
        let token = headers(&Fixed::Token(Secret::new("T0K".into())), || {
            panic!("a token needs no clock")
        });
        assert_eq!(token, [("x-auth-token".to_string(), "T0K".to_string())]);
        let prepared = Prepared::new(&Fixed::Token(Secret::new("T0K".into()))).unwrap();
        assert!(prepared.fixed[0].1.is_sensitive());
        let key = Fixed::AkSk(AkSk::new("AK", "SK").project_id("p").security_token("st"));
        let signed = headers(&key, || 1_764_322_215);
        let names: Vec<_> = signed.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "x-sdk-date",
                "x-project-id",
                "x-security-token",
                "authorization"
            ]
        );
        assert_eq!(signed[0].1, "20251128T093015Z");
        assert_eq!(signed[1].1, "p");
        assert!(
            signed[3]
                .1
                .starts_with("SDK-HMAC-SHA256 Access=AK, SignedHeaders=")
        );
        // The same signature as the signer's own, moved rather than copied.
        let req = SigningRequest::new("GET", "h", "/v3/sources/x/command");
        let again = sign(
            &req,
            match &key {
                Fixed::AkSk(k) => k,
                Fixed::Token(_) => unreachable!(),
            },
            1_764_322_215,
        );
        assert_eq!(signed[3].1, again.authorization());
    }

    #[test]
    fn secrets_are_marked_sensitive() {
        let req = SigningRequest::new("GET", "h", "/x");
        let mut sensitive = Vec::new();
        let key = Fixed::AkSk(AkSk::new("AK", "SK").domain_id("d").security_token("st"));
        let prepared = Prepared::new(&key).unwrap();
        authorize(
            &key,
            &prepared,
            &req,
            || 0,
            |k, v| sensitive.push((k, v.is_sensitive())),
        )
        .unwrap();
        let flags: Vec<_> = sensitive.iter().map(|(k, s)| (k.as_str(), *s)).collect();
        assert_eq!(
            flags,
            [
                ("x-sdk-date", false),
                ("x-domain-id", false),
                ("x-security-token", true),
                ("authorization", true)
            ]
        );
    }
}
