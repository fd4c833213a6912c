//! How requests are authenticated: an IAM token, or AK/SK signing.

use std::fmt;

use crate::error::Error;

/// A secret string that never prints.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Credentials for the SMS API.
///
/// Either an IAM token, sent as `X-Auth-Token`, or an access key pair that
/// signs each request with `SDK-HMAC-SHA256`. `Debug` shows the access key
/// and scope but never the token, secret key or security token.
#[derive(Clone, Debug)]
pub struct Credentials(pub(crate) Kind);

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Token(Secret),
    AkSk(AkSk),
}

impl Credentials {
    /// An IAM token (the `X-Subject-Token` IAM returned), sent as `X-Auth-Token`.
    pub fn token(token: impl Into<String>) -> Self {
        Credentials(Kind::Token(Secret(token.into())))
    }

    /// An access key pair; see [`AkSk`] for the scope and temporary credentials.
    pub fn ak_sk(ak_sk: AkSk) -> Self {
        Credentials(Kind::AkSk(ak_sk))
    }

    /// The AK/SK pair, when these credentials sign requests.
    pub fn as_ak_sk(&self) -> Option<&AkSk> {
        match &self.0 {
            Kind::AkSk(k) => Some(k),
            Kind::Token(_) => None,
        }
    }

    /// Every secret value, so server-supplied text can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match &self.0 {
            Kind::Token(t) => vec![t.expose()],
            Kind::AkSk(k) => {
                let mut v = vec![k.sk.expose()];
                v.extend(k.security_token.as_ref().map(Secret::expose));
                v
            }
        }
    }

    /// Rejects values that cannot go into an HTTP header, without echoing them.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match &self.0 {
            Kind::Token(t) => header_safe("the token", t.expose()),
            Kind::AkSk(k) => {
                header_safe("the access key (AK)", &k.ak)?;
                // The SK is never sent; it only needs to be present.
                if k.sk.expose().is_empty() {
                    return Err(Error::config("the secret key (SK) is empty"));
                }
                if let Some(p) = &k.project_id {
                    header_safe("the project id", p)?;
                }
                if let Some(d) = &k.domain_id {
                    header_safe("the domain id", d)?;
                }
                if let Some(s) = &k.security_token {
                    header_safe("the security token", s.expose())?;
                }
                Ok(())
            }
        }
    }
}

impl From<AkSk> for Credentials {
    fn from(k: AkSk) -> Self {
        Credentials::ak_sk(k)
    }
}

fn header_safe(what: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::config(format!("{what} is empty")));
    }
    if let Some(at) = value
        .bytes()
        .position(|b| !(b == b'\t' || (0x20..0x7f).contains(&b)))
    {
        return Err(Error::config(format!(
            "{what} contains a byte that cannot be sent in an HTTP header (at offset {at})"
        )));
    }
    Ok(())
}

/// An access key (AK) and secret key (SK), with an optional scope and
/// security token.
///
/// The scope decides which extra header is signed and sent:
/// `project_id` as `X-Project-Id` (what the official SMS clients use),
/// `domain_id` as `X-Domain-Id` (account-level). Temporary credentials add
/// `security_token` as `X-Security-Token`.
#[derive(Clone)]
pub struct AkSk {
    pub(crate) ak: String,
    pub(crate) sk: Secret,
    pub(crate) project_id: Option<String>,
    pub(crate) domain_id: Option<String>,
    pub(crate) security_token: Option<Secret>,
}

impl AkSk {
    /// An access key and its secret key.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        AkSk {
            ak: ak.into(),
            sk: Secret(sk.into()),
            project_id: None,
            domain_id: None,
            security_token: None,
        }
    }

    /// Sends and signs `X-Project-Id`. Defaults to none.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// Sends and signs `X-Domain-Id`. Defaults to none.
    pub fn domain_id(mut self, id: impl Into<String>) -> Self {
        self.domain_id = Some(id.into());
        self
    }

    /// Sends and signs `X-Security-Token`, for temporary credentials. Defaults to none.
    pub fn security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Secret(token.into()));
        self
    }

    /// The access key.
    pub fn ak(&self) -> &str {
        &self.ak
    }

    /// The project id, if set.
    pub fn project_id_value(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The domain id, if set.
    pub fn domain_id_value(&self) -> Option<&str> {
        self.domain_id.as_deref()
    }

    /// The scope and token headers this key adds to every request, in the
    /// order the official SDK adds them.
    pub(crate) fn scope_headers(&self) -> Vec<(&'static str, &str)> {
        let mut h = Vec::with_capacity(3);
        if let Some(p) = &self.project_id {
            h.push(("X-Project-Id", p.as_str()));
        }
        if let Some(d) = &self.domain_id {
            h.push(("X-Domain-Id", d.as_str()));
        }
        if let Some(t) = &self.security_token {
            h.push(("X-Security-Token", t.expose()));
        }
        h
    }
}

impl fmt::Debug for AkSk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSk")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("project_id", &self.project_id)
            .field("domain_id", &self.domain_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let t = format!("{:?}", Credentials::token("TOKEN-MARKER-1"));
        assert!(
            !t.contains("TOKEN-MARKER-1") && t.contains("REDACTED"),
            "{t}"
        );
        let k = Credentials::from(
            AkSk::new("AK1", "SK-MARKER-2")
                .project_id("p")
                .security_token("ST-MARKER-3"),
        );
        let s = format!("{k:?} {k:#?}");
        assert!(
            !s.contains("SK-MARKER-2") && !s.contains("ST-MARKER-3"),
            "{s}"
        );
        assert!(s.contains("AK1") && s.contains("\"p\""), "{s}");
    }

    #[test]
    fn header_injection_is_refused_without_echo() {
        let err = Credentials::token("abc\r\nX-Evil: 1")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("token") && !err.contains("abc") && !err.contains("Evil"),
            "{err}"
        );
        assert!(Credentials::token("").validate().is_err());
        assert!(Credentials::from(AkSk::new("AK", "")).validate().is_err());
        assert!(
            Credentials::from(AkSk::new("AK", "SK").project_id("p\n"))
                .validate()
                .is_err()
        );
        assert!(
            Credentials::from(AkSk::new("AK", "SK").domain_id("d"))
                .validate()
                .is_ok()
        );
    }
}
