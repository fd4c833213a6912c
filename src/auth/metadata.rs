//! Temporary AK/SK from the ECS metadata service, as the official SDKs get
//! them: a session token (`PUT /meta-data/latest/api/token`), then the keys
//! (`GET /openstack/latest/securitykey`). Plain http on a link-local
//! address, always reached directly.

use ureq::http::HeaderName;

use super::authority::{Authority, AuthorityRequest};
use super::fixed::{AkSk, Fixed};
use super::lease::Lease;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::limits::METADATA_TOKEN_TTL;
use crate::wire::metadata::security_key;

const TOKEN_TTL: HeaderName = HeaderName::from_static("x-metadata-token-ttl-seconds");
const TOKEN: HeaderName = HeaderName::from_static("x-metadata-token");

/// Where the metadata service answers on every ECS instance.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";

/// The metadata service of the instance hwsms runs on.
#[derive(Debug, Clone)]
pub(crate) struct MetadataSource {
    /// Base URL, without a trailing slash.
    pub(crate) endpoint: String,
    /// The scope the keys are sent with (`X-Project-Id`, `X-Domain-Id`):
    /// the service gives keys only.
    pub(crate) project_id: Option<String>,
    pub(crate) domain_id: Option<String>,
}

impl MetadataSource {
    pub(crate) fn new(endpoint: String) -> MetadataSource {
        MetadataSource {
            endpoint,
            project_id: None,
            domain_id: None,
        }
    }

    /// `the ECS metadata service at http://…`, as messages name it.
    pub(crate) fn origin(&self) -> String {
        format!("the ECS metadata service at {}", self.endpoint)
    }

    /// Fetches the instance's temporary keys.
    ///
    /// # Errors
    ///
    /// The service unreachable (not an ECS instance, or no agency bound to
    /// it), refusing, or answering without keys.
    pub(crate) fn fetch(&self, authority: &dyn Authority) -> Result<Lease, CredentialsError> {
        let origin = self.origin();
        let ask = |method, path: &str, headers: &[(HeaderName, &str)]| {
            let url = format!("{}{path}", self.endpoint);
            authority
                .ask(&AuthorityRequest {
                    method,
                    url: &url,
                    headers,
                    body: None,
                    direct: true,
                    origin: &origin,
                })
                .map_err(|mut e| {
                    e.message.push_str(
                        "; HWSMS_CREDENTIALS_SOURCE=metadata works only on an ECS instance",
                    );
                    e
                })
        };
        let ttl = METADATA_TOKEN_TTL.as_secs().to_string();
        let session = ask("PUT", "/meta-data/latest/api/token", &[(TOKEN_TTL, &ttl)])?;
        let token = match session.status {
            200 => String::from_utf8_lossy(&session.body).trim().to_string(),
            // Older services have no session tokens: ask without one.
            404 | 405 | 503 => String::new(),
            _ => {
                return Err(session.refusal(
                    &origin,
                    "a session token",
                    "check the instance's metadata settings",
                ));
            }
        };
        let with_token = [(TOKEN, token.as_str())];
        let headers: &[(HeaderName, &str)] = if token.is_empty() { &[] } else { &with_token };
        let keys = ask("GET", "/openstack/latest/securitykey", headers)?;
        if keys.status != 200 {
            return Err(keys.refusal(
                &origin,
                "the temporary keys",
                "bind an agency to this instance (ECS console, Management Information, Agency)",
            ));
        }
        let key = security_key(&keys.body)
            .map_err(|m| CredentialsError::new(&origin, CredentialsErrorKind::Unusable, m))?;
        let key_pair = AkSk::new(key.access, key.secret).scoped(
            self.project_id.clone(),
            self.domain_id.clone(),
            Some(key.security_token),
        );
        Ok(Lease::expiring(Fixed::AkSk(key_pair), Some(key.expires_at)))
    }
}
