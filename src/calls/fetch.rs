//! `fetch_command`: one blocking ShowCommand call, retries included.

use crate::advice::ACTION_SHOW_COMMAND;
use crate::channel::classify::Expect;
use crate::channel::pipeline;
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::Error;
use crate::wire::command::{Command, CommandSpans, decode_command};
use crate::wire::server_id::ServerId;
use crate::wire::sms_request::HttpMethod;

/// A successful (2xx) ShowCommand response. Owns the body bytes; the
/// [`Command`] it decodes borrows from them.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    request_id: Option<String>,
    body: Vec<u8>,
    attempts: u32,
    /// Where the command lies in `body`, found when the call checked it.
    spans: Option<CommandSpans>,
}

impl Response {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `X-Request-Id` response header, whatever its letter case.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// How many requests the call sent (1 unless it retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Decodes the body without copying its strings. A 204, or a 2xx with
    /// an empty body, means "nothing to do".
    ///
    /// [`fetch_command`] has already checked that this succeeds.
    pub fn command(&self) -> Result<Command<'_>, Error> {
        if self.status == 204 || self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Command::default());
        }
        match self.spans.as_ref().and_then(|s| s.command(&self.body)) {
            Some(command) => Ok(command),
            None => decode_command(&self.body),
        }
    }
}

/// Asks SMS for the next command for `server_id`:
/// `GET {endpoint}/v3/sources/{server_id}/command`.
///
/// Blocks until the answer arrives or [`Config::timeout`] passes. Retries
/// retryable failures (see [`Error::is_retryable`]) up to
/// [`Config::max_attempts`] with jittered exponential backoff, honouring
/// `Retry-After`. With AK/SK credentials, a request the gateway rejects as
/// "signature expired" is re-signed with the gateway's clock and sent once more.
///
/// # Errors
///
/// [`Error::InvalidServerId`] before any I/O; [`Error::Api`] for a non-2xx
/// answer; [`Error::Redirect`] for a 3xx; [`Error::Transport`],
/// [`Error::BodyTooLarge`] and [`Error::Decode`] for the rest.
///
/// ```no_run
/// use hwsms::{Config, Credentials, fetch_command};
///
/// let config = Config::builder("https://sms.ap-southeast-3.myhuaweicloud.com",
///                              Credentials::token("MIIT...")).build()?;
/// let response = fetch_command(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")?;
/// let command = response.command()?;
/// if let Some(name) = command.name() {
///     println!("{name} task={:?}", command.task_id());
/// }
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn fetch_command(config: &Config, server_id: &str) -> Result<Response, Error> {
    let id = ServerId::parse(server_id)?;
    let path = id.command_path();
    let call = Call {
        action: Some(ACTION_SHOW_COMMAND),
        ..Call::new(HttpMethod::Get, &path, true)
    };
    let done = pipeline::run(config, &call, Expect::Command)?;
    Ok(Response {
        status: done.answer.status,
        request_id: done.answer.request_id,
        body: done.answer.body,
        attempts: done.attempts,
        spans: done.answer.command,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;

    #[test]
    fn bad_server_id_fails_before_io() {
        // Port 9 on loopback: nothing listens, but the id is rejected first.
        let config = Config::builder("http://127.0.0.1:9", Credentials::token("t"))
            .build()
            .unwrap();
        let err = fetch_command(&config, "../etc").unwrap_err();
        assert!(matches!(err, Error::InvalidServerId(_)), "{err}");
    }
}
