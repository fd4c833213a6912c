//! Requests to the credential authorities for the keeper: IAM through the
//! Config's TLS roots and proxy, the metadata service directly (never
//! through a proxy). One request each, within the deadline of the call
//! that needed the credentials; no retries here: the keeper's renewal rule
//! decides when to ask again.

use std::time::Instant;

use ureq::http;

use super::explain::{self, Route};
use super::send::read_capped;
use crate::auth::authority::{Authority, AuthorityAnswer, AuthorityRequest};
use crate::config::Config;
use crate::error::{CredentialsError, CredentialsErrorKind};
use crate::limits::MAX_KEPT_HEADER_LEN;

const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");
const X_SUBJECT_TOKEN: http::HeaderName = http::HeaderName::from_static("x-subject-token");

/// The authorities, as reached from `config` until `deadline`.
pub(crate) struct Authorities<'a> {
    pub(crate) config: &'a Config,
    pub(crate) deadline: Instant,
}

impl Authority for Authorities<'_> {
    fn ask(&self, req: &AuthorityRequest<'_>) -> Result<AuthorityAnswer, CredentialsError> {
        let unreachable = |message: String| {
            CredentialsError::new(req.origin, CredentialsErrorKind::Unreachable, message)
        };
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(unreachable(
                "no time was left of the call's deadline to ask it; raise the timeout".into(),
            ));
        }
        let config = self.config;
        let agent = config.agent();
        let proxy = config.proxy_url().filter(|_| !req.direct);
        let mut builder = http::Request::builder().method(req.method).uri(req.url);
        for (name, value) in req.headers {
            builder = builder.header(name, *value);
        }
        let request = builder
            .body(req.body.unwrap_or_default())
            .map_err(|e| unreachable(format!("cannot build the request: {e}")))?;
        let mut settings = agent
            .configure_request(request)
            .timeout_global(Some(remaining));
        if req.direct {
            // This request alone bypasses the proxy (and pooled proxied
            // connections: ureq keys its pool by the proxy too).
            settings = settings.proxy(None);
        }
        let request = settings.build();
        let host = request
            .uri()
            .authority()
            .map_or("", |a| a.as_str())
            .to_string();
        let route = Route {
            endpoint: &host,
            proxy: proxy.map(|p| p as _),
        };
        let response = agent.run(request).map_err(|e| {
            let explained = explain::from_ureq(e, &route);
            let mut err = unreachable(format!("no answer: {explained}"));
            // A certificate rejection will not mend by itself.
            err.retryable = explained.retryable;
            err
        })?;
        let header = |name: http::HeaderName| {
            response.headers().get(name).map(|v| {
                let bytes = v.as_bytes();
                String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_KEPT_HEADER_LEN)]).into_owned()
            })
        };
        let status = response.status().as_u16();
        let request_id = header(X_REQUEST_ID);
        // The token is whole or nothing: never cut to the kept length.
        let subject_token = response
            .headers()
            .get(X_SUBJECT_TOKEN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_capped(response.into_body(), config.body_cap(), status, &route)
            .map_err(|e| unreachable(format!("its answer could not be read: {e}")))?;
        Ok(AuthorityAnswer {
            status,
            subject_token,
            request_id,
            body,
        })
    }
}
