//! Who is asking: the credentials (fixed, or from a source that renews
//! them: the credentials file, IAM, the ECS metadata service, the
//! application's own), the keeper that renews them, the request signer, and
//! the gateway's clock that dates every signature.
//!
//! [`Credentials`] and [`AkSk`] are re-exported at the crate root;
//! [`signer`] is for agents that bring their own HTTP stack.

pub(crate) mod authority;
pub(crate) mod authorize;
mod builder;
pub(crate) mod clock;
pub(crate) mod credentials;
pub(crate) mod env;
pub(crate) mod file;
pub(crate) mod fixed;
pub(crate) mod iam;
pub(crate) mod keeper;
mod lease;
pub(crate) mod metadata;
pub mod signer;
mod source;

pub use builder::CredentialsBuilder;
pub use credentials::{AkSk, Credentials};
pub use iam::IamPassword;
pub use lease::Lease;
pub use metadata::DEFAULT_METADATA_ENDPOINT;
pub use source::CredentialSource;
