//! ShowConfig: `GET /v3/config`, at the agent's start.

use super::undecodable;
use crate::advice::ACTION_SHOW_CONFIG;
use crate::channel::classify::Expect;
use crate::channel::pipeline;
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::Error;
use crate::wire::sms_config::{SmsSettings, decode_settings};
use crate::wire::sms_request::HttpMethod;

const EXPECTED: &str = "a ShowConfig answer ({config: {string: string}, regions: [...]})";

/// A ShowConfig answer. Owns the body; [`settings`](Self::settings)
/// borrows its strings from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsConfig {
    body: Vec<u8>,
    request_id: Option<String>,
}

impl SmsConfig {
    /// The settings, decoded without copying (checked when the call
    /// returned, so this fails only if that check was wrong).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a body that is not a ShowConfig answer.
    pub fn settings(&self) -> Result<SmsSettings<'_>, Error> {
        decode_settings(&self.body).map_err(|e| undecodable(EXPECTED, e.to_string()))
    }
    /// The raw body (one JSON object).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// The `X-Request-Id` response header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

/// Reads the settings SMS gives an agent (the main region, the OBS
/// domain, …): `GET {endpoint}/v3/config`.
///
/// **Idempotent** (a GET).
///
/// # Errors
///
/// [`Error::Decode`] for an answer that is not `{config: {string: string},
/// regions: [{string: string}]}`; otherwise those of
/// [`fetch_command`](crate::fetch_command).
///
/// ```no_run
/// let config = hwsms::Config::from_env()?;
/// let answer = hwsms::agent::show_config(&config)?;
/// let settings = answer.settings()?;
/// println!("main region: {:?}", settings.get("main_region"));
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn show_config(config: &Config) -> Result<SmsConfig, Error> {
    let call = Call {
        action: Some(ACTION_SHOW_CONFIG),
        ..Call::new(HttpMethod::Get, "/v3/config", true)
    };
    let done = pipeline::run(config, &call, Expect::AnyBody)?;
    let answer = SmsConfig {
        body: done.answer.body,
        request_id: done.answer.request_id,
    };
    answer.settings()?;
    Ok(answer)
}
