//! Credentials as they are sent: an IAM token, or an access key pair that
//! signs. What every source ends up giving, and what a request carries.

use std::fmt;

use crate::error::Error;
use crate::limits::{MAX_KEY_LEN, MAX_TOKEN_LEN};

/// A secret string that never prints and is wiped when dropped: the same
/// type that holds the keys SMS hands the agent.
pub(crate) use crate::wire::secret::SecretString as Secret;

/// A token or an access key pair: credentials as a request carries them.
#[derive(Clone, Debug)]
pub(crate) enum Fixed {
    Token(Secret),
    AkSk(AkSk),
}

impl Fixed {
    /// True when requests are signed (AK/SK) rather than carrying a token.
    pub(crate) fn is_signing(&self) -> bool {
        matches!(self, Fixed::AkSk(_))
    }

    /// What kind of credentials these are, for an operator (never a secret):
    /// `an IAM token (X-Auth-Token)` or `AK/SK (AK HPUA…, project scope)`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Fixed::Token(_) => "an IAM token (X-Auth-Token)".into(),
            Fixed::AkSk(k) => {
                let scope = match (&k.project_id, &k.domain_id) {
                    (Some(_), _) => "project scope",
                    (None, Some(_)) => "domain scope",
                    (None, None) => "no scope",
                };
                let temporary = if k.security_token.is_some() {
                    ", temporary"
                } else {
                    ""
                };
                let ak: String = k.ak.chars().take(4).collect();
                format!("AK/SK (AK {ak}…, {scope}{temporary})")
            }
        }
    }

    /// Every secret value, so server-supplied text can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match self {
            Fixed::Token(t) => vec![t.expose()],
            Fixed::AkSk(k) => {
                let mut v = vec![k.sk.expose()];
                v.extend(k.security_token.as_ref().map(Secret::expose));
                v
            }
        }
    }

    /// Rejects values that cannot go into an HTTP header, without echoing them.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match self {
            Fixed::Token(t) => header_safe("the token", t.expose(), MAX_TOKEN_LEN),
            Fixed::AkSk(k) => {
                header_safe("the access key (AK)", &k.ak, MAX_KEY_LEN)?;
                // The SK is never sent; it only needs to be present.
                if k.sk.expose().is_empty() {
                    return Err(Error::config("the secret key (SK) is empty"));
                }
                within("the secret key (SK)", k.sk.expose().len(), MAX_KEY_LEN)?;
                if let Some(p) = &k.project_id {
                    header_safe("the project id", p, MAX_KEY_LEN)?;
                }
                if let Some(d) = &k.domain_id {
                    header_safe("the domain id", d, MAX_KEY_LEN)?;
                }
                if let Some(s) = &k.security_token {
                    header_safe("the security token", s.expose(), MAX_TOKEN_LEN)?;
                }
                if k.project_id.is_some() && k.domain_id.is_some() {
                    return Err(Error::config(
                        "both a project id and a domain id are set; choose one: the project id \
                         for project-level APIs such as SMS, the domain id for account-level ones",
                    ));
                }
                Ok(())
            }
        }
    }

    /// True when `self` and `other` send the same secrets: a renewal that
    /// gives these back has renewed nothing.
    pub(crate) fn same_as(&self, other: &Fixed) -> bool {
        match (self, other) {
            (Fixed::Token(a), Fixed::Token(b)) => a == b,
            (Fixed::AkSk(a), Fixed::AkSk(b)) => {
                a.ak == b.ak && a.sk == b.sk && a.security_token == b.security_token
            }
            _ => false,
        }
    }
}

/// Refuses a value longer than `max` bytes, naming it but never echoing it.
pub(crate) fn within(what: &str, len: usize, max: usize) -> Result<(), Error> {
    if len > max {
        return Err(Error::config(format!(
            "{what} is {len} bytes long; at most {max} are accepted"
        )));
    }
    Ok(())
}

/// Refuses a value that cannot go into an HTTP header, or is longer than
/// `max` bytes, naming it but never echoing it.
pub(crate) fn header_safe(what: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::config(format!("{what} is empty")));
    }
    within(what, value.len(), max)?;
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
/// `domain_id` as `X-Domain-Id` (account-level); set one, not both.
/// Temporary credentials add `security_token` as `X-Security-Token`.
///
/// ```
/// use hwsms::AkSk;
///
/// let key = AkSk::new("HPUA...", "secret")
///     .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")
///     .security_token("gQpjbi1ub3J0aC00...");   // temporary credentials
/// assert_eq!(key.project_id_value(), Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9"));
/// ```
#[derive(Clone)]
pub struct AkSk {
    pub(crate) ak: String,
    pub(crate) sk: Secret,
    /// The SK as an HMAC key, prepared once: every signature starts from it.
    /// Shared, because the prepared key is large and clones are frequent.
    pub(crate) hmac: std::sync::Arc<ring::hmac::Key>,
    pub(crate) project_id: Option<String>,
    pub(crate) domain_id: Option<String>,
    pub(crate) security_token: Option<Secret>,
}

impl AkSk {
    /// An access key and its secret key.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        let sk = sk.into();
        AkSk {
            ak: ak.into(),
            hmac: std::sync::Arc::new(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, sk.as_bytes())),
            sk: Secret::new(sk),
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

    /// The same key with each scope that is given; `None` keeps what the
    /// key had. Every source that reads optional scopes (the environment,
    /// the credentials file, the metadata service, the builder) goes
    /// through here.
    pub(crate) fn scoped(
        mut self,
        project_id: Option<String>,
        domain_id: Option<String>,
        security_token: Option<String>,
    ) -> Self {
        if let Some(id) = project_id {
            self = self.project_id(id);
        }
        if let Some(id) = domain_id {
            self = self.domain_id(id);
        }
        if let Some(token) = security_token {
            self = self.security_token(token);
        }
        self
    }

    /// Sends and signs `X-Security-Token`, for temporary credentials. Defaults to none.
    pub fn security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Secret::new(token.into()));
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
    pub(crate) fn scope_headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let project = self.project_id.as_deref().map(|p| ("X-Project-Id", p));
        let domain = self.domain_id.as_deref().map(|d| ("X-Domain-Id", d));
        let token = self
            .security_token
            .as_ref()
            .map(|t| ("X-Security-Token", t.expose()));
        project.into_iter().chain(domain).chain(token)
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

    fn token(t: impl Into<String>) -> Fixed {
        Fixed::Token(Secret::new(t.into()))
    }

    #[test]
    fn debug_redacts_secrets() {
        let t = format!("{:?}", token("TOKEN-MARKER-1"));
        assert!(
            !t.contains("TOKEN-MARKER-1") && t.contains("REDACTED"),
            "{t}"
        );
        let k = Fixed::AkSk(
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
    fn oversized_values_are_refused_by_name() {
        let big = |n: usize| "x".repeat(n);
        let err = |c: Fixed| c.validate().unwrap_err().to_string();
        assert!(token(big(MAX_TOKEN_LEN)).validate().is_ok());
        let e = err(token(big(MAX_TOKEN_LEN + 1)));
        assert!(
            e.contains("the token is 16385 bytes long; at most 16384"),
            "{e}"
        );
        assert!(!e.contains("xxxx"), "{e}");
        let e = err(Fixed::AkSk(AkSk::new(big(300), "SK")));
        assert!(e.contains("the access key (AK)"), "{e}");
        let e = err(Fixed::AkSk(AkSk::new("AK", big(300))));
        assert!(e.contains("the secret key (SK)"), "{e}");
        let e = err(Fixed::AkSk(AkSk::new("AK", "SK").project_id(big(257))));
        assert!(e.contains("the project id"), "{e}");
        let e = err(Fixed::AkSk(AkSk::new("AK", "SK").domain_id(big(257))));
        assert!(e.contains("the domain id"), "{e}");
        let e = err(Fixed::AkSk(
            AkSk::new("AK", "SK").security_token(big(MAX_TOKEN_LEN + 1)),
        ));
        assert!(e.contains("the security token"), "{e}");
    }

    #[test]
    fn header_injection_is_refused_without_echo() {
        let err = token("abc\r\nX-Evil: 1")
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("token") && !err.contains("abc") && !err.contains("Evil"),
            "{err}"
        );
        assert!(token("").validate().is_err());
        assert!(Fixed::AkSk(AkSk::new("AK", "")).validate().is_err());
        assert!(
            Fixed::AkSk(AkSk::new("AK", "SK").project_id("p\n"))
                .validate()
                .is_err()
        );
        assert!(
            Fixed::AkSk(AkSk::new("AK", "SK").domain_id("d"))
                .validate()
                .is_ok()
        );
        let both = Fixed::AkSk(AkSk::new("AK", "SK").domain_id("d").project_id("p"))
            .validate()
            .unwrap_err()
            .to_string();
        assert!(both.contains("choose one"), "{both}");
    }

    #[test]
    fn scope_getters() {
        let k = AkSk::new("AK", "SK").domain_id("d0");
        assert_eq!(
            (k.project_id_value(), k.domain_id_value()),
            (None, Some("d0"))
        );
        let k = AkSk::new("AK", "SK").project_id("p0");
        assert_eq!(
            (k.project_id_value(), k.domain_id_value()),
            (Some("p0"), None)
        );
    }
}
