//! IAM tokens minted from a user's password (OpenStack's `OS_*` settings,
//! which Huawei Cloud's IAM speaks): `POST {auth_url}/auth/tokens?nocatalog=true`,
//! the token in `X-Subject-Token`, its expiry in `token.expires_at`.

use std::fmt;

use ureq::http::header::CONTENT_TYPE;

use super::authority::{Authority, AuthorityRequest};
use super::fixed::{Fixed, Secret, header_safe};
use super::lease::Lease;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::limits::MAX_TOKEN_LEN;
use crate::wire::iam::{ProjectRef, password_token_request, token_expiry};

/// An IAM user's password, from which hwsms mints IAM tokens and renews
/// them before they expire (IAM tokens last 24 hours).
///
/// The token is scoped to a project, by id or by name (on Huawei Cloud a
/// project's name is usually its region id). The IAM endpoint is
/// [`auth_url`](Self::auth_url), else the region's
/// (`https://iam.{region}.myhuaweicloud.com/v3`) when the
/// [`Config`](crate::Config) is built for a region.
///
/// ```
/// use hwsms::Credentials;
/// use hwsms::auth::IamPassword;
///
/// let credentials = Credentials::iam_password(
///     IamPassword::new("sms-agent", "password", "my-account").project_name("ap-southeast-3"),
/// );
/// assert!(!format!("{credentials:?}").contains("password\""));
/// ```
#[derive(Clone)]
pub struct IamPassword {
    pub(crate) user: String,
    pub(crate) password: Secret,
    pub(crate) domain: String,
    pub(crate) project: Option<Project>,
    pub(crate) auth_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Project {
    Id(String),
    Name(String),
}

impl IamPassword {
    /// A user (`OS_USERNAME`), its password (`OS_PASSWORD`) and the account
    /// (domain) it belongs to (`OS_USER_DOMAIN_NAME`).
    pub fn new(
        user: impl Into<String>,
        password: impl Into<String>,
        domain: impl Into<String>,
    ) -> Self {
        IamPassword {
            user: user.into(),
            password: Secret::new(password.into()),
            domain: domain.into(),
            project: None,
            auth_url: None,
        }
    }

    /// Scopes the tokens to a project by id (`OS_PROJECT_ID`).
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project = Some(Project::Id(id.into()));
        self
    }

    /// Scopes the tokens to a project by name (`OS_PROJECT_NAME`).
    pub fn project_name(mut self, name: impl Into<String>) -> Self {
        self.project = Some(Project::Name(name.into()));
        self
    }

    /// The IAM v3 URL (`OS_AUTH_URL`), e.g.
    /// `https://iam.ap-southeast-3.myhuaweicloud.com/v3`: https, or http for
    /// loopback hosts only.
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub(crate) fn secrets(&self) -> Vec<&str> {
        vec![self.password.expose()]
    }

    /// Checks the settings that go into every request, never echoing them.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let named = |what: &str, v: &str| -> Result<(), String> {
            if v.trim().is_empty() {
                return Err(format!("the IAM {what} is empty"));
            }
            Ok(())
        };
        named("user name (OS_USERNAME)", &self.user)?;
        named("password (OS_PASSWORD)", self.password.expose())?;
        named("domain (OS_USER_DOMAIN_NAME)", &self.domain)?;
        match &self.project {
            None => {
                Err("the IAM token needs a project: set OS_PROJECT_ID or OS_PROJECT_NAME".into())
            }
            Some(Project::Id(p) | Project::Name(p)) => named("project", p),
        }
    }
}

impl fmt::Debug for IamPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamPassword")
            .field("user", &self.user)
            .field("password", &self.password)
            .field("domain", &self.domain)
            .field("project", &self.project)
            .field("auth_url", &self.auth_url)
            .finish()
    }
}

/// IAM at a resolved URL, minting tokens for one user.
#[derive(Debug)]
pub(crate) struct IamSource {
    pub(crate) password: IamPassword,
    /// The IAM v3 base URL, without a trailing slash.
    pub(crate) auth_url: String,
}

impl IamSource {
    /// `IAM at https://…`, as messages name it.
    pub(crate) fn origin(&self) -> String {
        format!("IAM at {}", self.auth_url)
    }

    /// Mints a token.
    ///
    /// # Errors
    ///
    /// IAM unreachable, refusing the password (with its code and what to
    /// check), or answering without a usable token.
    pub(crate) fn mint(&self, authority: &dyn Authority) -> Result<Lease, CredentialsError> {
        let origin = self.origin();
        let p = &self.password;
        let project = match &p.project {
            Some(Project::Id(id)) => ProjectRef::Id(id),
            Some(Project::Name(name)) => ProjectRef::Name(name),
            None => ProjectRef::Name(""),
        };
        let body = password_token_request(&p.user, p.password.expose(), &p.domain, &project);
        let url = format!("{}/auth/tokens?nocatalog=true", self.auth_url);
        let answer = authority.ask(&AuthorityRequest {
            method: "POST",
            url: &url,
            headers: &[(CONTENT_TYPE, "application/json;charset=utf8")],
            body: Some(&body),
            direct: false,
            origin: &origin,
        })?;
        if !(200..300).contains(&answer.status) {
            let advice = format!(
                "check OS_USERNAME ({}), OS_PASSWORD, OS_USER_DOMAIN_NAME and the project; \
                 IAM locks a user after repeated wrong passwords",
                p.user
            );
            return Err(answer.refusal(&origin, "the password", &advice));
        }
        let unusable =
            |m: String| CredentialsError::new(&origin, CredentialsErrorKind::Unusable, m);
        let token = answer
            .subject_token
            .ok_or_else(|| unusable("its answer has no X-Subject-Token header".into()))?;
        header_safe("the token IAM issued", &token, MAX_TOKEN_LEN)
            .map_err(|e| unusable(e.to_string()))?;
        let expires_at = token_expiry(&answer.body).map_err(unusable)?;
        Ok(Lease::expiring(
            Fixed::Token(Secret::new(token)),
            Some(expires_at),
        ))
    }
}
