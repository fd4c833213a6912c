//! ShowCertKey and ShowPassphrase: the keys for the TLS channel to the
//! target, before a block-level copy. The answers are secrets: read into
//! memory that is wiped, decoded without copies, and never printed.

use zeroize::Zeroize;

use super::undecodable;
use crate::advice::{ACTION_SHOW_CERT_KEY, ACTION_SHOW_PASSPHRASE};
use crate::channel::classify::Expect;
use crate::channel::pipeline;
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::Error;
use crate::wire::certkey::{CertKey, decode_cert_key, decode_passphrase};
use crate::wire::secret::SecretString;
use crate::wire::sms_request::{HttpMethod, task_segment};

/// Fetches a task's certificates and keys:
/// `GET {endpoint}/v3/tasks/{task_id}/certkey?enable_ca_cert={with_ca}`.
///
/// **Idempotent** (a GET). The answer's body is wiped once decoded, and
/// the [`CertKey`] wipes itself when dropped.
///
/// # Errors
///
/// [`Error::InvalidRequest`] for a bad task id, before any I/O;
/// [`Error::Decode`] for an answer without any certificate or key (its
/// message never quotes the body); otherwise those of
/// [`fetch_command`](crate::fetch_command).
///
/// ```no_run
/// let config = hwsms::Config::from_env()?;
/// let keys = hwsms::agent::fetch_cert_key(&config, "2d2e5b7c-task", true)?;
/// assert!(keys.private_key().starts_with("-----BEGIN"));
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn fetch_cert_key(config: &Config, task_id: &str, with_ca: bool) -> Result<CertKey, Error> {
    let path = ["/v3/tasks/", task_segment(task_id)?, "/certkey"].concat();
    let query = [("enable_ca_cert", if with_ca { "true" } else { "false" })];
    let call = Call {
        query: &query,
        action: Some(ACTION_SHOW_CERT_KEY),
        secret_answer: true,
        ..Call::new(HttpMethod::Get, &path, true)
    };
    fetch_secret(config, &call, "a ShowCertKey answer", decode_cert_key)
}

/// Fetches a task's passphrase: `GET {endpoint}/v3/tasks/{task_id}/passphrase`.
///
/// **Idempotent** (a GET). Wiped like [`fetch_cert_key`]'s answer.
///
/// # Errors
///
/// As [`fetch_cert_key`]; [`Error::Decode`] when the answer has no
/// `passphrase`.
pub fn fetch_passphrase(config: &Config, task_id: &str) -> Result<SecretString, Error> {
    let path = ["/v3/tasks/", task_segment(task_id)?, "/passphrase"].concat();
    let call = Call {
        action: Some(ACTION_SHOW_PASSPHRASE),
        secret_answer: true,
        ..Call::new(HttpMethod::Get, &path, true)
    };
    fetch_secret(config, &call, "a ShowPassphrase answer", decode_passphrase)
}

/// Runs `call`, decodes its answer with `decode`, and wipes the body
/// whatever the decoding gave.
fn fetch_secret<T>(
    config: &Config,
    call: &Call<'_>,
    expected: &'static str,
    decode: fn(&[u8]) -> Result<T, String>,
) -> Result<T, Error> {
    let mut body = pipeline::run(config, call, Expect::AnyBody)?.answer.body;
    let decoded = decode(&body);
    body.zeroize();
    decoded.map_err(|e| undecodable(expected, e))
}
