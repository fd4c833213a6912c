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
//! An agent's whole loop is a [`Poller`] (which paces itself and stops on a
//! signal through its [`PollerHandle`]) and [`report_command_result`]; the
//! README's "Running an agent loop" has a complete example. Configure once
//! with [`Config`] (or [`Config::from_env`]) and share it.
//!
//! Agents with their own HTTP stack can decode a body with [`decode_command`],
//! and sign requests with [`signer::sign`].
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api_error;
mod classify;
mod clock;
mod command;
mod config;
mod connection;
mod credentials;
mod depth;
mod diagnose;
mod endpoint;
mod error;
mod fast_path;
mod fetch;
pub mod limits;
mod pipeline;
mod poller;
mod proxy;
mod redact;
pub mod region;
mod report;
mod resolver;
mod retry;
mod schedule;
mod send;
mod server_id;
pub mod signer;
mod stop;
mod tls_roots;
mod x509;

pub use api_error::{ApiError, ErrorDetail};
pub use command::{Command, CommandName, decode_command};
pub use config::{Config, ConfigBuilder, DEFAULT_USER_AGENT};
pub use credentials::{AkSk, Credentials};
pub use diagnose::{Diagnosis, STEP_NAMES, Step, StepStatus, diagnose};
pub use error::{ConfigError, DecodeError, Error, Redirect, TransportError, TransportKind};
pub use fetch::{Response, fetch_command};
pub use poller::{Polled, Poller, PollerHandle, PollerStatus};
pub use proxy::{ProxyChoice, no_proxy_matches};
pub use report::{CommandOutcome, InvalidReport, ReportReceipt, report_command_result};
pub use schedule::{
    DEFAULT_AUTH_PAUSE, DEFAULT_BACKOFF_CAP, DEFAULT_POLL_INTERVAL, PollEvent, PollSchedule,
};
pub use server_id::{InvalidServerId, ServerId};
pub use tls_roots::{SYSTEM_BUNDLE_PATHS, TlsRoots};

// The README's Rust blocks compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
