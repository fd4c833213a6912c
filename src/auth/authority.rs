//! Asking a credential authority (IAM, the ECS metadata service): what the
//! auth stage asks for, and the answer. How the request travels (the
//! Config's TLS and proxy, or directly) is the channel's business, which
//! implements [`Authority`].

use ureq::http::HeaderName;

use crate::error::credentials::Answer;
use crate::error::{ApiError, CredentialsError, CredentialsErrorKind};

/// One request to a credential authority.
pub(crate) struct AuthorityRequest<'a> {
    pub(crate) method: &'static str,
    pub(crate) url: &'a str,
    /// Names made at compile time (`HeaderName::from_static` in a const):
    /// parsing names at run time would link http's whole header table.
    pub(crate) headers: &'a [(HeaderName, &'a str)],
    pub(crate) body: Option<&'a [u8]>,
    /// Reached directly, never through a proxy (the link-local metadata
    /// service).
    pub(crate) direct: bool,
    /// Who is asked, as messages name it: `IAM at https://…`.
    pub(crate) origin: &'a str,
}

/// An authority's answer: the status, the headers that matter, the body.
pub(crate) struct AuthorityAnswer {
    pub(crate) status: u16,
    /// IAM's `X-Subject-Token`: the token it issued.
    pub(crate) subject_token: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// Sends requests to credential authorities.
pub(crate) trait Authority {
    /// Sends `request` once and returns the answer, whatever its status.
    ///
    /// # Errors
    ///
    /// [`CredentialsErrorKind::Unreachable`] when no answer came.
    fn ask(&self, request: &AuthorityRequest<'_>) -> Result<AuthorityAnswer, CredentialsError>;
}

impl AuthorityAnswer {
    /// The error for an answer that is not the one wanted: a refusal for
    /// 4xx (with the authority's code and message), an authority in trouble
    /// (retryable, like a 5xx from SMS) otherwise. `what` says what was
    /// asked for, `advice` what to check after a refusal.
    pub(crate) fn refusal(&self, origin: &str, what: &str, advice: &str) -> CredentialsError {
        let api = ApiError::parse(self.status, &self.body);
        let code = api.error_code().unwrap_or_default();
        let msg = api.error_msg().unwrap_or_default();
        let refused = (400..500).contains(&self.status) && self.status != 429;
        let (kind, message) = if refused {
            (
                CredentialsErrorKind::Refused,
                format!(
                    "refused {what} (HTTP {} {code}: {msg}); {advice}",
                    self.status
                ),
            )
        } else {
            (
                CredentialsErrorKind::Unreachable,
                format!(
                    "answered HTTP {} {code} to {what} ({msg}); it will be asked again",
                    self.status
                ),
            )
        };
        let mut e = CredentialsError::new(origin, kind, message);
        e.answer = Some(Box::new(Answer {
            status: self.status,
            error_code: api.error_code().map(str::to_string),
            error_msg: api.error_msg().map(str::to_string),
            request_id: self
                .request_id
                .clone()
                .or_else(|| api.request_id().map(str::to_string)),
        }));
        e
    }
}
