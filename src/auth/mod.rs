//! Who is asking: the credentials, the request signer, and the gateway's
//! clock that dates every signature.
//!
//! [`Credentials`] and [`AkSk`] are re-exported at the crate root;
//! [`signer`] is for agents that bring their own HTTP stack.

pub(crate) mod authorize;
mod builder;
pub(crate) mod clock;
pub(crate) mod credentials;
pub mod signer;

pub use builder::CredentialsBuilder;
pub use credentials::{AkSk, Credentials};
