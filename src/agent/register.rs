//! RegisterServer: `POST /v3/sources`, once, at the agent's start.

use std::borrow::Cow;

use serde::Deserialize;

use super::undecodable;
use crate::advice::ACTION_REGISTER_SERVER;
use crate::channel::classify::Expect;
use crate::channel::pipeline;
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::Error;
use crate::wire::register::SourceRegistration;
use crate::wire::server_id::ServerId;
use crate::wire::sms_request::HttpMethod;

/// A source SMS registered: the `server_id` every later call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    id: String,
    status: u16,
    request_id: Option<String>,
    attempts: u32,
}

impl Registered {
    /// The new source's id: the `server_id` of
    /// [`fetch_command`](crate::fetch_command) and the [`Poller`](crate::Poller).
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
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

/// Registers this host as a source server: `POST {endpoint}/v3/sources`,
/// answered with `{"id": …}`.
///
/// **Not idempotent**: a second RegisterServer that reaches SMS creates a
/// second source. So a failure after the request may have arrived
/// (a timeout, a 5xx, a connection that broke mid-answer) is returned, not
/// retried; only one that proves nothing was processed (connection
/// refused, nothing written) is. After such an error, look the source up
/// (`GET /v3/sources?name=…` through [`call`](crate::agent::call)) before
/// registering again.
///
/// # Errors
///
/// [`Error::InvalidRequest`] when the body lacks a required field (named)
/// or breaks SMS's rules, before any I/O; [`Error::Decode`] for an answer
/// without a usable id; otherwise those of [`fetch_command`](crate::fetch_command).
///
/// ```no_run
/// use hwsms::Config;
/// use hwsms::agent::{Nic, OsType, SourceAddress, SourceRegistration, register_source};
///
/// let config = Config::from_env()?;
/// let body = SourceRegistration::new("web-01", OsType::Linux, "CENTOS_7_9_64BIT", "25.3.0",
///         SourceAddress::Ipv4("192.168.0.10".into()))
///     .network(Nic { name: "eth0".into(), mac: "fa:16:3e:12:34:56".into(),
///                    ip: "192.168.0.10".into(), ..Nic::default() });
/// let source = register_source(&config, &body)?;
/// println!("server id {}", source.id());
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn register_source(config: &Config, body: &SourceRegistration) -> Result<Registered, Error> {
    let json = body.to_body()?;
    let call = Call {
        body: Some(&json),
        action: Some(ACTION_REGISTER_SERVER),
        ..Call::new(HttpMethod::Post, "/v3/sources", false)
    };
    let done = pipeline::run(config, &call, Expect::AnyBody)?;
    #[derive(Deserialize)]
    struct Answer<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
    }
    const EXPECTED: &str = "a RegisterServer answer with an id";
    let answer: Answer<'_> = serde_json::from_slice(&done.answer.body)
        .map_err(|e| undecodable(EXPECTED, e.to_string()))?;
    ServerId::parse(&answer.id)
        .map_err(|e| undecodable(EXPECTED, format!("its id cannot be a server id: {e}")))?;
    Ok(Registered {
        id: answer.id.into_owned(),
        status: done.answer.status,
        request_id: done.answer.request_id,
        attempts: done.attempts,
    })
}
