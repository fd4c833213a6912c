//! [`CredentialsBuilder`]: credentials gathered one setting at a time (as
//! the C API and the command line set them), with the precedence rule in
//! one place.

use std::path::PathBuf;

use super::credentials::{Credentials, Kind};
use super::env::from_env_with;
use super::fixed::AkSk;
use crate::error::Error;

/// Gathers credentials setting by setting and picks the ones to use.
///
/// The rule, applied by [`build`](Self::build):
/// - AK/SK win over a token, whichever was set first: a signature is made
///   fresh for every request, while a token silently expires.
/// - Otherwise the last source set wins: [`ak_sk`](Self::ak_sk),
///   [`token`](Self::token), [`env`](Self::env) or any
///   [`source`](Self::source).
/// - The scope settings ([`project_id`](Self::project_id),
///   [`domain_id`](Self::domain_id), [`security_token`](Self::security_token))
///   apply to an AK/SK pair, set here or read from the environment, and
///   replace what it had; the scope (not the security token) applies to
///   the ECS metadata service's keys too. A token, a credentials file, an
///   IAM password and the application's own source carry their own.
///
/// ```
/// use hwsms::auth::CredentialsBuilder;
///
/// let credentials = CredentialsBuilder::new()
///     .ak_sk("HPUA...", "secret")
///     .token("MIIT...") // ignored: AK/SK win
///     .project_id("0a1b...")
///     .build()?;
/// assert_eq!(credentials.as_ak_sk().and_then(|k| k.project_id_value()), Some("0a1b..."));
/// # Ok::<_, hwsms::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct CredentialsBuilder {
    /// The source chosen so far, or why the environment gave none.
    source: Option<Result<Credentials, String>>,
    project_id: Option<String>,
    domain_id: Option<String>,
    security_token: Option<String>,
}

impl CredentialsBuilder {
    /// A builder with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    fn signing(&self) -> bool {
        matches!(&self.source, Some(Ok(c)) if c.as_ak_sk().is_some())
    }

    /// An IAM token, sent as `X-Auth-Token`; ignored while an AK/SK pair is set.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        if !self.signing() {
            self.source = Some(Ok(Credentials::token(token)));
        }
        self
    }

    /// An access key pair that signs every request.
    pub fn ak_sk(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.source = Some(Ok(Credentials::ak_sk(AkSk::new(ak, sk))));
        self
    }

    /// The credentials of the environment ([`Credentials::from_env`]). When
    /// the environment holds none or an incomplete pair, [`build`](Self::build)
    /// fails with that reason, which [`env_error`](Self::env_error) shows at once.
    pub fn env(self) -> Self {
        self.env_with(&|name| std::env::var(name).ok())
    }

    /// [`env`](Self::env) over any variable source.
    pub(crate) fn env_with(mut self, var: &dyn Fn(&str) -> Option<String>) -> Self {
        // Kept as the message alone: build() wraps it in a config error again.
        let found = from_env_with(var).map_err(|e| match e {
            Error::Config(c) => c.message().to_string(),
            other => other.to_string(),
        });
        self.source = Some(found);
        self
    }

    /// Any credentials, as a whole (a fixed pair or token, or a source
    /// that renews them).
    pub fn source(mut self, credentials: Credentials) -> Self {
        self.source = Some(Ok(credentials));
        self
    }

    /// The credentials file at `path` ([`Credentials::file`]), watched for
    /// replacement.
    pub fn file(self, path: impl Into<PathBuf>) -> Self {
        self.source(Credentials::file(path))
    }

    /// True when a source was set (or the environment was taken, even if it
    /// held none).
    pub fn is_set(&self) -> bool {
        self.source.is_some()
    }

    /// With AK/SK: the project scope, sent and signed as `X-Project-Id`.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// With AK/SK: the account scope, sent and signed as `X-Domain-Id`.
    pub fn domain_id(mut self, id: impl Into<String>) -> Self {
        self.domain_id = Some(id.into());
        self
    }

    /// With AK/SK: the security token of temporary credentials (`X-Security-Token`).
    pub fn security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Why the last [`env`](Self::env) found no usable credentials.
    pub fn env_error(&self) -> Option<&str> {
        match &self.source {
            Some(Err(why)) => Some(why),
            _ => None,
        }
    }

    /// The credentials by the rule above.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when nothing was set, or the environment's reason.
    pub fn build(&self) -> Result<Credentials, Error> {
        let credentials = match &self.source {
            None => {
                return Err(Error::config(
                    "no credentials: set a token, an AK/SK pair or another credential source \
                     (in the environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or \
                     HUAWEICLOUD_SDK_AUTH_TOKEN)",
                ));
            }
            Some(Err(why)) => return Err(Error::config(why.clone())),
            Some(Ok(c)) => c.clone(),
        };
        if let Kind::Metadata(m) = &credentials.0 {
            let mut m = m.clone();
            if self.project_id.is_some() {
                m.project_id.clone_from(&self.project_id);
            }
            if self.domain_id.is_some() {
                m.domain_id.clone_from(&self.domain_id);
            }
            return Ok(Credentials(Kind::Metadata(m)));
        }
        let Some(key) = credentials.as_ak_sk() else {
            return Ok(credentials);
        };
        let key = key.clone().scoped(
            self.project_id.clone(),
            self.domain_id.clone(),
            self.security_token.clone(),
        );
        Ok(Credentials::ak_sk(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ak_sk_win_over_a_token_set_before_or_after() {
        let before = CredentialsBuilder::new().token("t").ak_sk("AK", "SK");
        let after = CredentialsBuilder::new().ak_sk("AK", "SK").token("t");
        for b in [before, after] {
            assert_eq!(b.build().unwrap().as_ak_sk().map(|k| k.ak()), Some("AK"));
        }
        let token = CredentialsBuilder::new().token("t").build().unwrap();
        assert!(token.as_ak_sk().is_none());
    }

    #[test]
    fn scope_applies_to_ak_sk_only() {
        let k = CredentialsBuilder::new()
            .project_id("p")
            .security_token("st")
            .ak_sk("AK", "SK")
            .build()
            .unwrap();
        let key = k.as_ak_sk().unwrap();
        assert_eq!(key.project_id_value(), Some("p"));
        assert!(key.security_token.is_some());
        let t = CredentialsBuilder::new()
            .project_id("p")
            .token("t")
            .build()
            .unwrap();
        assert!(t.as_ak_sk().is_none());
    }

    #[test]
    fn nothing_set_is_an_error() {
        let e = CredentialsBuilder::new().build().unwrap_err();
        assert!(e.to_string().contains("no credentials"), "{e}");
        assert_eq!(CredentialsBuilder::new().env_error(), None);
    }
}
