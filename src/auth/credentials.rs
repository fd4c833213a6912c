//! How requests are authenticated: an IAM token or AK/SK signing, fixed or
//! from a source that renews them (the credentials file, IAM, the ECS
//! metadata service, the application's own).

use std::path::PathBuf;
use std::sync::Arc;

use super::file::FileSource;
pub use super::fixed::AkSk;
use super::fixed::{Fixed, Secret};
use super::iam::IamPassword;
use super::lease::Lease;
use super::metadata::{DEFAULT_METADATA_ENDPOINT, MetadataSource};
use super::source::{CredentialSource, FnSource};
use crate::error::Error;

/// Credentials for the SMS API.
///
/// Either an IAM token, sent as `X-Auth-Token`, or an access key pair that
/// signs each request with `SDK-HMAC-SHA256`: given once
/// ([`token`](Self::token), [`ak_sk`](Self::ak_sk)), or from a source that
/// hwsms asks again before they expire ([`file`](Self::file),
/// [`iam_password`](Self::iam_password), [`ecs_metadata`](Self::ecs_metadata),
/// [`from_source`](Self::from_source)). `Debug` shows the access key and
/// scope but never the token, secret key, security token or password.
///
/// ```
/// use hwsms::{AkSk, Credentials};
///
/// let signed = Credentials::ak_sk(AkSk::new("HPUA...", "secret").project_id("0a1b..."));
/// assert_eq!(signed.as_ak_sk().map(|k| k.ak()), Some("HPUA..."));
/// assert!(!format!("{signed:?}").contains("secret"));
///
/// let token = Credentials::token("MIIT...");
/// assert!(token.as_ak_sk().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct Credentials(pub(crate) Kind);

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// A token or a key pair, given once.
    Fixed(Fixed),
    File(Arc<FileSource>),
    Iam(IamPassword),
    Metadata(MetadataSource),
    Custom(Arc<dyn CredentialSource>),
}

impl Credentials {
    /// An IAM token (the `X-Subject-Token` IAM returned), sent as `X-Auth-Token`.
    pub fn token(token: impl Into<String>) -> Self {
        Credentials(Kind::Fixed(Fixed::Token(Secret::new(token.into()))))
    }

    /// An access key pair; see [`AkSk`] for the scope and temporary credentials.
    pub fn ak_sk(ak_sk: AkSk) -> Self {
        Credentials(Kind::Fixed(Fixed::AkSk(ak_sk)))
    }

    /// The credentials file at `path`, in the official SDKs' profile format
    /// (a `[basic]` section with `ak`, `sk`, `security_token`, `project_id`,
    /// `domain_id`, or hwsms's `auth_token`, and `expires_at` in RFC 3339).
    /// It is read when the [`Config`](crate::Config) is built and again
    /// before the first request after it changes (a rotator renaming a new
    /// file into place), so rotated keys are used without a restart. A file
    /// that other users can write is refused.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Credentials(Kind::File(Arc::new(FileSource::new(path.into()))))
    }

    /// IAM tokens minted from a user's password, renewed before they expire.
    pub fn iam_password(password: IamPassword) -> Self {
        Credentials(Kind::Iam(password))
    }

    /// Temporary AK/SK from the ECS metadata service at
    /// `http://169.254.169.254` (only on an ECS instance with an agency),
    /// renewed before they expire. Reached directly, never through a proxy.
    pub fn ecs_metadata() -> Self {
        Credentials::ecs_metadata_at(DEFAULT_METADATA_ENDPOINT)
    }

    /// [`ecs_metadata`](Self::ecs_metadata) at another address (a local
    /// stand-in): http for link-local and loopback hosts, else https.
    pub fn ecs_metadata_at(endpoint: impl Into<String>) -> Self {
        let endpoint = endpoint.into().trim_end_matches('/').to_string();
        Credentials(Kind::Metadata(MetadataSource::new(endpoint)))
    }

    /// Credentials the application supplies, asked again before they expire
    /// and once after SMS refuses them (see [`CredentialSource`]).
    pub fn from_source(source: impl CredentialSource) -> Self {
        Credentials(Kind::Custom(Arc::new(source)))
    }

    /// [`from_source`](Self::from_source) with a closure.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use hwsms::auth::Lease;
    /// use hwsms::Credentials;
    ///
    /// let credentials = Credentials::from_fn(|| {
    ///     let token = std::fs::read_to_string("/run/agent/token")?;
    ///     Ok(Lease::token(token.trim())
    ///         .expires_at(SystemTime::now() + Duration::from_secs(3600)))
    /// });
    /// # let _ = credentials;
    /// ```
    pub fn from_fn<F>(fetch: F) -> Self
    where
        F: Fn() -> Result<Lease, Box<dyn std::error::Error + Send + Sync>> + Send + Sync + 'static,
    {
        Credentials::from_source(FnSource(fetch))
    }

    /// The AK/SK pair, when these are fixed credentials that sign requests.
    pub fn as_ak_sk(&self) -> Option<&AkSk> {
        match &self.0 {
            Kind::Fixed(Fixed::AkSk(k)) => Some(k),
            _ => None,
        }
    }

    /// True when these come from a source that hwsms asks again (a file,
    /// IAM, the metadata service, the application's own), false for a fixed
    /// token or key pair.
    pub fn is_renewable(&self) -> bool {
        !matches!(self.0, Kind::Fixed(_))
    }

    /// The source, for an operator (never a secret): the kind of fixed
    /// credentials, the file's path, the IAM user, the metadata service.
    pub(crate) fn describe(&self) -> String {
        match &self.0 {
            Kind::Fixed(f) => f.describe(),
            Kind::File(f) => f.origin(),
            Kind::Iam(p) => format!("IAM tokens for the user {} (renewed)", p.user()),
            Kind::Metadata(m) => format!("temporary AK/SK from {} (renewed)", m.origin()),
            Kind::Custom(c) => c.describe(),
        }
    }

    /// Every secret given here (the fixed ones, an IAM password), so
    /// server-supplied text can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match &self.0 {
            Kind::Fixed(f) => f.secrets(),
            Kind::Iam(p) => p.secrets(),
            Kind::File(_) | Kind::Metadata(_) | Kind::Custom(_) => Vec::new(),
        }
    }

    /// Rejects values that cannot go into an HTTP header, without echoing them.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        match &self.0 {
            Kind::Fixed(f) => f.validate(),
            Kind::Iam(p) => p.validate().map_err(Error::config),
            // Read, asked or checked when the Config is built.
            Kind::File(_) | Kind::Metadata(_) | Kind::Custom(_) => Ok(()),
        }
    }
}

impl From<AkSk> for Credentials {
    fn from(k: AkSk) -> Self {
        Credentials::ak_sk(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        // The fixed kinds' own Debug is tested in fixed.rs; here, that the
        // wrapper and the sources add nothing secret.
        let t = format!("{:?}", Credentials::token("TOKEN-MARKER-1"));
        assert!(!t.contains("TOKEN-MARKER-1"), "{t}");
        let iam = Credentials::iam_password(IamPassword::new("u", "PW-MARKER-4", "d"));
        assert!(!format!("{iam:?}").contains("PW-MARKER-4"));
        assert_eq!(iam.secrets(), ["PW-MARKER-4"]);
    }

    #[test]
    fn sources_are_renewable_and_fixed_ones_are_not() {
        assert!(!Credentials::token("t").is_renewable());
        assert!(!Credentials::ak_sk(AkSk::new("a", "s")).is_renewable());
        assert!(Credentials::file("/x").is_renewable());
        assert!(Credentials::ecs_metadata().is_renewable());
        assert!(Credentials::from_fn(|| Ok(Lease::token("t"))).is_renewable());
        assert!(Credentials::iam_password(IamPassword::new("u", "p", "d")).is_renewable());
        assert_eq!(
            Credentials::ecs_metadata_at("http://127.0.0.1:1/").describe(),
            "temporary AK/SK from the ECS metadata service at http://127.0.0.1:1 (renewed)"
        );
    }
}
