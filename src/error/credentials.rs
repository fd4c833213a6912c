//! [`CredentialsError`]: credentials that could not be had from their
//! source (the credentials file, IAM, the metadata service, or the
//! application's own), or that expired with nothing newer.

use std::error::Error as StdError;
use std::fmt;
use std::time::{Duration, SystemTime};

/// What went wrong with a credential source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// The credentials expired and the source had nothing newer.
    Expired,
    /// The authority answered with a refusal (IAM refused the password, the
    /// metadata service refused the request).
    Refused,
    /// The authority could not be reached, or did not answer in time.
    Unreachable,
    /// The source gave something unusable: an unreadable, malformed or
    /// unsafe credentials file, an answer without the credentials, or the
    /// application's source failed.
    Unusable,
}

/// What an authority answered when it refused.
#[derive(Debug, Default)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) error_code: Option<String>,
    pub(crate) error_msg: Option<String>,
    pub(crate) request_id: Option<String>,
}

/// Credentials could not be had from their source. The message names the
/// source (the file's path, IAM's or the metadata service's address) and
/// never contains a secret.
#[derive(Debug)]
pub struct CredentialsError {
    pub(crate) origin: String,
    pub(crate) kind: CredentialsErrorKind,
    pub(crate) message: String,
    /// The authority's answer, for a refusal.
    pub(crate) answer: Option<Box<Answer>>,
    /// Unix seconds.
    pub(crate) expired_at: Option<i64>,
    pub(crate) retryable: bool,
    pub(crate) source: Option<Box<dyn StdError + Send + Sync>>,
}

impl CredentialsError {
    pub(crate) fn new(
        origin: impl Into<String>,
        kind: CredentialsErrorKind,
        message: impl Into<String>,
    ) -> Self {
        CredentialsError {
            origin: origin.into(),
            kind,
            message: message.into(),
            answer: None,
            expired_at: None,
            // Waiting can mend all but a refusal: a rotator late with the
            // file, an authority back up, the application's source again.
            retryable: kind != CredentialsErrorKind::Refused,
            source: None,
        }
    }

    /// The source: `the credentials file /etc/…`, `IAM at https://…`,
    /// `the ECS metadata service at http://…`, or the application's own.
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// What went wrong.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }
    /// What went wrong and what to do, in words (without the origin).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The authority's HTTP status, for a refusal.
    pub fn status(&self) -> Option<u16> {
        self.answer.as_ref().map(|a| a.status)
    }
    /// The authority's error code, for a refusal (e.g. `IAM.0007`).
    pub fn error_code(&self) -> Option<&str> {
        self.answer.as_ref()?.error_code.as_deref()
    }
    /// The authority's error message, for a refusal.
    pub fn error_msg(&self) -> Option<&str> {
        self.answer.as_ref()?.error_msg.as_deref()
    }
    /// The authority's request id, for a refusal.
    pub fn request_id(&self) -> Option<&str> {
        self.answer.as_ref()?.request_id.as_deref()
    }
    /// When the credentials expired, for [`CredentialsErrorKind::Expired`].
    pub fn expired_at(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.expired_at?).ok()?;
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credentials from {}: {}", self.origin, self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}
