//! What goes over the wire: the server id in the path, the ShowCommand body
//! and its decoder, the dates in headers and signatures, API error bodies,
//! the result report's body, and what the credential authorities say (IAM's
//! token answer, the metadata service's keys, the credentials file). No
//! I/O, no policy.

pub(crate) mod api_error;
pub(crate) mod command;
pub(crate) mod date;
mod depth;
mod fast_path;
pub(crate) mod iam;
pub(crate) mod metadata;
pub(crate) mod profile;
pub(crate) mod report;
pub(crate) mod server_id;
