//! What goes over the wire: the server id in the path, the ShowCommand body
//! and its decoder, the dates in headers and signatures, API error bodies,
//! and the result report's body. No I/O, no policy.

pub(crate) mod api_error;
pub(crate) mod command;
pub(crate) mod date;
mod depth;
mod fast_path;
pub(crate) mod report;
pub(crate) mod server_id;
