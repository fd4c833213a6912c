//! `report_command_result`: tells SMS how a command went
//! (`POST /v3/sources/{server_id}/command_result`, "UpdateCommandResult").

use crate::advice::ACTION_UPDATE_COMMAND_RESULT;
use crate::channel::classify::Expect;
use crate::channel::pipeline::{self, Done};
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::Error;
use crate::wire::report::{CommandOutcome, report_body};
use crate::wire::server_id::ServerId;
use crate::wire::sms_request::HttpMethod;

/// A report SMS accepted (any 2xx answer): a result report, or one of
/// the agent's reports (progress, network check, consistency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportReceipt {
    status: u16,
    request_id: Option<String>,
    attempts: u32,
}

impl ReportReceipt {
    /// The HTTP status (2xx; SMS answers 200, older deployments 204).
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `X-Request-Id` response header, whatever its letter case.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// How many requests the call sent (1 unless it retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// Reports how a command ended: `POST {endpoint}/v3/sources/{server_id}/command_result`
/// with `{"command_name", "result", "result_detail"}`.
///
/// `result_detail` is the text of a JSON object, stored by SMS as is; pass
/// `"{}"` when there is nothing to say. Everything else is shared with
/// [`fetch_command`](crate::fetch_command): the same `Config`, credentials
/// (AK/SK signs the body's hash), proxy, TLS, body cap, deadline, clock-skew
/// recovery and retries (reporting the same result again only overwrites
/// it). Any 2xx answer is success, whatever its body.
///
/// # Errors
///
/// [`Error::InvalidServerId`] and [`Error::InvalidReport`] before any I/O;
/// otherwise the same errors as [`fetch_command`](crate::fetch_command),
/// except [`Error::Decode`].
///
/// ```no_run
/// use hwsms::{CommandOutcome, Config, report_command_result};
///
/// let config = Config::from_env()?;
/// let receipt = report_command_result(
///     &config,
///     "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f",
///     "START",
///     CommandOutcome::Success,
///     r#"{"progress": 100}"#,
/// )?;
/// println!("reported (HTTP {})", receipt.status());
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn report_command_result(
    config: &Config,
    server_id: &str,
    command_name: &str,
    outcome: CommandOutcome,
    result_detail: &str,
) -> Result<ReportReceipt, Error> {
    let id = ServerId::parse(server_id)?;
    let body = report_body(command_name, outcome, result_detail)?;
    let path = id.command_result_path();
    let call = Call {
        body: Some(body.as_bytes()),
        action: Some(ACTION_UPDATE_COMMAND_RESULT),
        ..Call::new(HttpMethod::Post, &path, true)
    };
    let done = pipeline::run(config, &call, Expect::AnyBody)?;
    Ok(ReportReceipt::from(done))
}

impl From<Done> for ReportReceipt {
    fn from(done: Done) -> Self {
        ReportReceipt {
            status: done.answer.status,
            request_id: done.answer.request_id,
            attempts: done.attempts,
        }
    }
}
