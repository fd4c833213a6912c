//! # hwsms
//!
//! A blocking, minimal-dependency client for the command channel of Huawei
//! Cloud's Server Migration Service: `GET /v3/sources/{server_id}/command`
//! ("ShowCommand"), which a migration agent on a source server polls to learn
//! what to do next (START, STOP, SYNC, …), and
//! `POST /v3/sources/{server_id}/command_result`, which reports how it went.
//!
//! - **Blocking**: no async runtime; it links into synchronous agents.
//! - **Minimal**: ureq, rustls (ring), webpki-roots, serde and serde_json.
//! - **Zero-copy**: the decoded [`Command`] borrows `&str` from the body;
//!   decoding a body without escapes allocates nothing.
//! - **Both auth methods**: an IAM token (`X-Auth-Token`) or AK/SK signing
//!   (`SDK-HMAC-SHA256`, identical to the official SDKs), with recovery from
//!   wrong host clocks.
//!
//! ## Usage
//!
//! ```no_run
//! use hwsms::{AkSk, CommandName, Config, Credentials, fetch_command};
//!
//! // Built once: holds the connection pool, TLS setup and learned clock skew.
//! let config = Config::for_region(
//!     "ap-southeast-3",
//!     Credentials::ak_sk(AkSk::new("AK...", "SK...").project_id("0a1b...")),
//! )
//! .build()?;
//!
//! let response = fetch_command(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")?;
//! let command = response.command()?;
//! match command.name() {
//!     Some(CommandName::Start) => println!("start task {:?}", command.task_id()),
//!     Some(other) => println!("command {other}"),
//!     None => println!("nothing to do"),
//! }
//! # Ok::<_, hwsms::Error>(())
//! ```
//!
//! Everything else the agent calls on SMS (registering the source,
//! progress, the transfer keys, settings, check results, and any other v3
//! API) is in [`agent`], on the same pipeline.
//!
//! An agent's whole loop is a [`Poller`] (which paces itself and stops on a
//! signal through its [`PollerHandle`]) and [`report_command_result`]; the
//! README's "Running an agent loop" has a complete example. Configure once
//! with [`Config`] (or [`Config::from_env`]) and share it.
//!
//! Agents with their own HTTP stack can decode a body with [`decode_command`],
//! and sign requests with [`auth::signer::sign`].
//!
//! ## Errors
//!
//! Every failure is one [`Error`]. Its `Display` tells an operator what to do;
//! [`Error::is_retryable`] says whether trying later can help (transport
//! failures, timeouts, 429, 500, 502, 503, 504 — never 401, because repeated
//! AK/SK failures lock the key). Non-2xx answers carry the parsed SMS error
//! body as [`ApiError`]. Redirects are reported, never followed. No error
//! message contains a token, secret key, security token or proxy password.
//!
//! ## Logging
//!
//! hwsms itself logs nothing. ureq and rustls log through the `log` crate;
//! up to DEBUG their records carry no secret. **Never enable TRACE for the
//! `ureq` or `ureq_proto` targets in production**: at TRACE ureq dumps the
//! raw HTTP bytes, unredacted by design, and those carry the token or the
//! signature headers.
//!
//! ## TLS
//!
//! TLS is always verified. Choose the trust anchors per [`Config`] with
//! [`TlsRoots`]: the built-in Mozilla roots (default), the host's CA bundle,
//! or a PEM file or bytes for a private CA. Plain `http://` is accepted only
//! for loopback endpoints.
//!
//! ## Where things are
//!
//! The crate root holds what an agent reaches for first. The rest sits in
//! modules that follow the stages a call passes through:
//! [`config`] (the builder, regions, proxies, trust roots), [`auth`]
//! (credentials and the request [`signer`](auth::signer)), [`error`] (every
//! type an [`Error`] carries), [`poll`] (the poller's status and schedule
//! builder), [`diagnose`](mod@diagnose) (the steps of a diagnosis) and [`limits`] (every
//! bound and default).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Stages, bottom to top; a module imports only from those above it in this
// list (types and bounds first, the loop and the self-check last).
mod advice;
pub mod agent;
pub mod auth;
mod calls;
mod channel;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod limits;
pub mod poll;
mod redact;
mod transport;
mod wire;

pub use auth::{AkSk, Credentials};
pub use calls::fetch::{Response, fetch_command};
pub use calls::report::{ReportReceipt, report_command_result};
pub use config::{Config, ProxyChoice, TlsRoots};
pub use diagnose::{Diagnosis, diagnose};
pub use error::{ApiError, Error};
pub use poll::{PollSchedule, Polled, Poller, PollerHandle};
pub use wire::command::{Command, CommandName, decode_command};
pub use wire::report::CommandOutcome;

/// Internals for the fuzz targets, which `cargo fuzz` builds with
/// `--cfg fuzzing`; not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    /// The ShowCommand path for `id`, or why the id was refused.
    pub fn command_path(id: &str) -> Result<String, crate::error::InvalidServerId> {
        crate::wire::server_id::ServerId::parse(id).map(|s| s.command_path())
    }

    /// The credentials file parser: the `expires_at` it read, or why not.
    pub fn profile(text: &str) -> Result<Option<i64>, String> {
        crate::wire::profile::parse_profile(text).map(|p| p.expires_at)
    }

    /// An RFC 3339 time as Unix seconds.
    pub fn rfc3339(text: &str) -> Option<i64> {
        crate::wire::date::parse_rfc3339(text)
    }

    /// Unix seconds as RFC 3339 (UTC).
    pub fn format_rfc3339(unix: i64) -> String {
        crate::wire::date::format_rfc3339(unix)
    }

    /// The expiry in an IAM token answer.
    pub fn iam_token_expiry(body: &[u8]) -> Result<i64, String> {
        crate::wire::iam::token_expiry(body)
    }

    /// The string members the secret reader finds in a flat JSON object
    /// (the cert/key set, the passphrase), or why not.
    pub fn secret_members(body: &[u8]) -> Result<Vec<(String, String)>, String> {
        crate::wire::secret::string_members(body).map(|members| {
            members
                .into_iter()
                .map(|(k, v)| (k, v.expose().to_string()))
                .collect()
        })
    }

    /// How many ShowConfig settings and regions a body holds, or why not.
    pub fn sms_settings(body: &[u8]) -> Result<(usize, usize), String> {
        crate::wire::sms_config::decode_settings(body)
            .map(|s| (s.config.len(), s.regions.len()))
            .map_err(|e| e.to_string())
    }

    /// A generic call's method and target as parsed: path and query, or why not.
    pub fn sms_request(method: &str, target: &str) -> Result<(String, usize), String> {
        crate::agent::SmsRequest::parse(method, target)
            .map(|r| (r.path().to_string(), r.query.len()))
            .map_err(|e| e.to_string())
    }

    /// The expiry of the metadata service's keys.
    pub fn metadata_key_expiry(body: &[u8]) -> Result<i64, String> {
        crate::wire::metadata::security_key(body).map(|k| k.expires_at)
    }
}

// The README's Rust blocks compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
