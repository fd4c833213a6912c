//! What goes over the wire: the server id in the path, the ShowCommand body
//! and its decoder, the dates in headers and signatures, API error bodies,
//! the result report's body, the agent calls' bodies and answers (the
//! registration, progress, checks, cert/key set, settings, any v3 request),
//! and what the credential authorities say (IAM's token answer, the
//! metadata service's keys, the credentials file). No I/O, no policy.

pub(crate) mod api_error;
pub(crate) mod certkey;
pub(crate) mod checks;
pub(crate) mod command;
pub(crate) mod date;
mod depth;
mod fast_path;
pub(crate) mod iam;
mod json;
pub(crate) mod metadata;
pub(crate) mod profile;
pub(crate) mod progress;
pub(crate) mod register;
pub(crate) mod report;
pub(crate) mod secret;
pub(crate) mod server_id;
pub(crate) mod sms_config;
pub(crate) mod sms_request;
