//! The check reports: UpdateNetworkCheckInfo and UpdateConsistencyResult.

use super::send_report;
use crate::advice::{ACTION_UPDATE_CONSISTENCY, ACTION_UPDATE_NETWORK_CHECK};
use crate::calls::report::ReportReceipt;
use crate::config::Config;
use crate::error::Error;
use crate::wire::checks::{DirCheck, NetworkCheck, consistency_body};
use crate::wire::sms_request::{HttpMethod, task_segment};

/// Reports a network check between source and target:
/// `POST {endpoint}/v3/{task_id}/update-network-check-info` (SMS's path
/// has no `/tasks/`).
///
/// **Idempotent**, though a POST: it sets the task's network figures, so
/// sending the same figures twice leaves what sending them once does.
/// Retried like a GET.
///
/// # Errors
///
/// [`Error::InvalidRequest`] for a bad task id, a figure that is not a
/// finite number of 0 or more, or an empty verdict, before any I/O;
/// otherwise those of [`fetch_command`](crate::fetch_command) but
/// [`Error::Decode`].
pub fn report_network_check(
    config: &Config,
    task_id: &str,
    check: &NetworkCheck,
) -> Result<ReportReceipt, Error> {
    let path = ["/v3/", task_segment(task_id)?, "/update-network-check-info"].concat();
    let body = check.to_body()?;
    let post = (HttpMethod::Post, path.as_str());
    send_report(config, post, &body, ACTION_UPDATE_NETWORK_CHECK, true)
}

/// Reports a consistency check of up to 30 directories:
/// `POST {endpoint}/v3/tasks/{task_id}/consistency-result`.
///
/// **Not idempotent**: SMS may keep each result it is sent, so a failure
/// after the request may have arrived is returned, not retried; only one
/// that proves nothing was processed is.
///
/// # Errors
///
/// [`Error::InvalidRequest`] for a bad task id, no directory or more than
/// [`MAX_CONSISTENCY_DIRS`](crate::limits::MAX_CONSISTENCY_DIRS), or an
/// unnamed one, before any I/O; otherwise those of
/// [`fetch_command`](crate::fetch_command) but [`Error::Decode`].
pub fn report_consistency(
    config: &Config,
    task_id: &str,
    dirs: &[DirCheck],
) -> Result<ReportReceipt, Error> {
    let path = ["/v3/tasks/", task_segment(task_id)?, "/consistency-result"].concat();
    let body = consistency_body(dirs)?;
    let post = (HttpMethod::Post, path.as_str());
    send_report(config, post, &body, ACTION_UPDATE_CONSISTENCY, false)
}
