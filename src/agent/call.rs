//! The generic call: any SMS v3 API on the same pipeline.

use crate::channel::classify::Expect;
use crate::channel::pipeline;
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::Error;
use crate::wire::sms_request::SmsRequest;

/// A 2xx answer to [`call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsResponse {
    status: u16,
    request_id: Option<String>,
    body: Vec<u8>,
    attempts: u32,
}

impl SmsResponse {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The raw body, as SMS sent it (often JSON, sometimes empty).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// The `X-Request-Id` response header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// How many requests the call sent.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// Calls any SMS v3 API: `request`'s method, path, query and JSON body in;
/// a 2xx's status and body out. Everything else is shared with
/// [`fetch_command`](crate::fetch_command): signing (the body's hash
/// included), the clock, retries, connections, credentials and errors.
///
/// Idempotency follows the method ([`HttpMethod::is_idempotent`](crate::agent::HttpMethod::is_idempotent)):
/// GET, PUT and DELETE are retried and resent like a ShowCommand; POST and
/// PATCH only when the request cannot have been processed.
///
/// # Errors
///
/// A non-2xx answer is [`Error::Api`], with SMS's error code, message and
/// request id; otherwise those of [`fetch_command`](crate::fetch_command)
/// but [`Error::Decode`].
///
/// ```no_run
/// use hwsms::agent::{SmsRequest, call};
///
/// let config = hwsms::Config::from_env()?;
/// let answer = call(&config, &SmsRequest::parse("GET", "/v3/sources?limit=10")?)?;
/// println!("{}", String::from_utf8_lossy(answer.body()));
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn call(config: &Config, request: &SmsRequest) -> Result<SmsResponse, Error> {
    let query: Vec<(&str, &str)> = request
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let call = Call {
        query: &query,
        body: request.body.as_deref(),
        ..Call::new(
            request.method,
            &request.path,
            request.method.is_idempotent(),
        )
    };
    let done = pipeline::run(config, &call, Expect::AnyBody)?;
    Ok(SmsResponse {
        status: done.answer.status,
        request_id: done.answer.request_id,
        body: done.answer.body,
        attempts: done.attempts,
    })
}
