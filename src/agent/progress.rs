//! UpdateTaskSpeed: `PUT /v3/tasks/{task_id}/progress`, during the copy.

use super::send_report;
use crate::advice::ACTION_UPDATE_TASK_SPEED;
use crate::calls::report::ReportReceipt;
use crate::config::Config;
use crate::error::Error;
use crate::wire::progress::TaskProgress;
use crate::wire::sms_request::{HttpMethod, task_segment};

/// Reports how far a task's copy is: `PUT {endpoint}/v3/tasks/{task_id}/progress`.
///
/// **Idempotent**: the PUT replaces the task's progress, so a retry after
/// a timeout or a 5xx only writes the same progress again. Any 2xx is
/// success (SMS answers an empty body or a JSON string).
///
/// # Errors
///
/// [`Error::InvalidRequest`] for a bad task id or a value out of range
/// (progress over 100, a gauge that is not a number), before any I/O;
/// otherwise those of [`fetch_command`](crate::fetch_command) but
/// [`Error::Decode`].
///
/// ```no_run
/// use hwsms::Config;
/// use hwsms::agent::{Subtask, TaskProgress, report_progress};
///
/// let config = Config::from_env()?;
/// let progress = TaskProgress::new(Subtask::MigrateLinuxBlock, 42, 42 << 30, 100 << 30)
///     .trace("copying /dev/vda1");
/// report_progress(&config, "2d2e5b7c-task", &progress)?;
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn report_progress(
    config: &Config,
    task_id: &str,
    progress: &TaskProgress,
) -> Result<ReportReceipt, Error> {
    let path = ["/v3/tasks/", task_segment(task_id)?, "/progress"].concat();
    let body = progress.to_body()?;
    let put = (HttpMethod::Put, path.as_str());
    send_report(config, put, &body, ACTION_UPDATE_TASK_SPEED, true)
}
