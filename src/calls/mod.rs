//! The SMS calls an agent makes, each on the one request pipeline: ask for
//! the next command ([`fetch`]) and report how it went ([`report`]).

pub(crate) mod fetch;
pub(crate) mod report;
