//! [`CredentialSource`]: credentials the application supplies itself (a
//! vault, a company's key broker), asked again whenever they need renewing.

use std::error::Error as StdError;
use std::fmt;

use super::lease::Lease;

/// A source of credentials that hwsms asks again when the ones it holds
/// are about to expire (less than 40 minutes or half their lifetime left),
/// and once after SMS refuses them.
///
/// Calls come from whichever thread is making an SMS call at the time, one
/// at a time per [`Config`](crate::Config): while one thread renews, the
/// others keep using the current credentials as long as they are valid. A
/// failed `fetch` is retried no sooner than 30 s later (then 60 s, … up to
/// 5 minutes), and the current credentials serve until they expire.
///
/// Give one to [`Credentials::from_source`](super::Credentials::from_source),
/// or a closure to [`Credentials::from_fn`](super::Credentials::from_fn).
pub trait CredentialSource: Send + Sync + 'static {
    /// Credentials valid now: a token or an AK/SK pair, with their expiry
    /// when they have one.
    ///
    /// # Errors
    ///
    /// Anything that kept the source from answering; hwsms reports it as an
    /// [`Error::Credentials`](crate::Error::Credentials) naming this source,
    /// once the current credentials have expired.
    fn fetch(&self) -> Result<Lease, Box<dyn StdError + Send + Sync>>;

    /// The source as an operator should read it in messages, e.g.
    /// `the key broker at https://keys.corp`. Never a secret.
    fn describe(&self) -> String {
        "the application's credential source".to_string()
    }
}

/// A closure as a [`CredentialSource`].
pub(crate) struct FnSource<F>(pub(crate) F);

impl<F> CredentialSource for FnSource<F>
where
    F: Fn() -> Result<Lease, Box<dyn StdError + Send + Sync>> + Send + Sync + 'static,
{
    fn fetch(&self) -> Result<Lease, Box<dyn StdError + Send + Sync>> {
        (self.0)()
    }
}

impl fmt::Debug for dyn CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
