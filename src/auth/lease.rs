//! [`Lease`]: credentials and when they stop working, as a credential
//! source hands them out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::fixed::{AkSk, Fixed, Secret};

/// A token or an access key pair and the moment it expires: what a
/// [`CredentialSource`](super::CredentialSource) gives.
///
/// Without [`expires_at`](Self::expires_at), the credentials are taken not
/// to expire, and asked for again only after SMS refuses them.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use hwsms::AkSk;
/// use hwsms::auth::Lease;
///
/// let lease = Lease::ak_sk(AkSk::new("AK", "SK").security_token("ST"))
///     .expires_at(SystemTime::now() + Duration::from_secs(900));
/// assert!(lease.expiry().is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Lease {
    pub(crate) credentials: Fixed,
    /// Unix seconds.
    pub(crate) expires_at: Option<i64>,
}

impl Lease {
    /// An IAM token, sent as `X-Auth-Token`.
    pub fn token(token: impl Into<String>) -> Lease {
        Lease::expiring(Fixed::Token(Secret::new(token.into())), None)
    }

    /// An access key pair (temporary ones with their security token).
    pub fn ak_sk(key: AkSk) -> Lease {
        Lease::expiring(Fixed::AkSk(key), None)
    }

    /// When the credentials stop working. They are renewed before then
    /// (when less than 40 minutes or half their lifetime is left) and never
    /// sent after it.
    pub fn expires_at(mut self, at: SystemTime) -> Lease {
        let secs = match at.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        self.expires_at = Some(secs);
        self
    }

    /// When they expire, if they do.
    pub fn expiry(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.expires_at?).ok()?;
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }

    pub(crate) fn expiring(credentials: Fixed, expires_at: Option<i64>) -> Lease {
        Lease {
            credentials,
            expires_at,
        }
    }
}
