//! The one request pipeline every SMS call goes through: [`send`] builds,
//! authenticates and sends a request and reads its answer; [`classify`]
//! judges the answer; [`pipeline`] owns the policy between attempts
//! (clock learning, re-signing, the resend after a dead connection,
//! retries); [`explain`] puts network failures into words; [`authority`]
//! asks IAM and the metadata service for the credentials' keeper.

pub(crate) mod authority;
pub(crate) mod classify;
pub(crate) mod explain;
pub(crate) mod pipeline;
pub(crate) mod retry;
pub(crate) mod send;
