//! Everything else the migration agent calls on SMS, on the same pipeline
//! as [`fetch_command`](crate::fetch_command): the same signing (bodies
//! included), clock learning, retries, connections, credential renewal and
//! errors.
//!
//! | API | call |
//! |---|---|
//! | RegisterServer | [`register_source`] |
//! | ShowConfig | [`show_config`] |
//! | UpdateTaskSpeed | [`report_progress`] |
//! | ShowCertKey | [`fetch_cert_key`] |
//! | ShowPassphrase | [`fetch_passphrase`] |
//! | UpdateNetworkCheckInfo | [`report_network_check`] |
//! | UpdateConsistencyResult | [`report_consistency`] |
//! | any other v3 API | [`call`] |
//!
//! Request bodies are typed and checked before anything is sent
//! ([`Error::InvalidRequest`] names the
//! field). Each call's rustdoc says whether it is idempotent: only an
//! idempotent call is resent after it may have reached SMS; any other only
//! when it cannot have (the connection was refused, nothing was written).

mod call;
mod checks;
mod keys;
mod progress;
mod register;
mod settings;

pub use crate::calls::report::ReportReceipt;
pub use crate::wire::certkey::CertKey;
pub use crate::wire::checks::{DirCheck, NetworkCheck};
pub use crate::wire::progress::{Subtask, TaskProgress};
pub use crate::wire::register::{
    LINUX_CHECK_FIELDS, Nic, OsType, SourceAddress, SourceRegistration, WINDOWS_CHECK_FIELDS,
};
pub use crate::wire::secret::SecretString;
pub use crate::wire::sms_config::SmsSettings;
pub use crate::wire::sms_request::{HttpMethod, SmsRequest};
pub use call::{SmsResponse, call};
pub use checks::{report_consistency, report_network_check};
pub use keys::{fetch_cert_key, fetch_passphrase};
pub use progress::report_progress;
pub use register::{Registered, register_source};
pub use settings::{SmsConfig, show_config};

use crate::channel::classify::Expect;
use crate::channel::pipeline;
use crate::channel::send::Call;
use crate::config::Config;
use crate::error::{DecodeError, Error};

/// Sends one of the agent's reports (a JSON body; any 2xx is success).
fn send_report(
    config: &Config,
    call: (HttpMethod, &str),
    body: &[u8],
    action: &'static str,
    idempotent: bool,
) -> Result<ReportReceipt, Error> {
    let call = Call {
        body: Some(body),
        action: Some(action),
        ..Call::new(call.0, call.1, idempotent)
    };
    Ok(pipeline::run(config, &call, Expect::AnyBody)?.into())
}

/// A 2xx body that is not what `expected` names.
fn undecodable(expected: &'static str, message: String) -> Error {
    Error::Decode(Box::new(
        DecodeError::new(0, 0, message).expecting(expected),
    ))
}
