//! The bodies of the two check reports: UpdateNetworkCheckInfo
//! (`POST /v3/{task_id}/update-network-check-info`) and
//! UpdateConsistencyResult (`POST /v3/tasks/{task_id}/consistency-result`).

use serde::Serialize;

use super::json::{check_measure, to_json};
use crate::error::InvalidRequest;
use crate::limits::MAX_CONSISTENCY_DIRS;

/// What a network check between source and target measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkCheck {
    /// `network_delay`: milliseconds.
    pub network_delay: f64,
    /// `network_jitter`: milliseconds.
    pub network_jitter: f64,
    /// `migration_speed`: Mbit/s.
    pub migration_speed: f64,
    /// `loss_percentage`: percent of packets lost.
    pub loss_percentage: f64,
    /// `cpu_usage`: percent.
    pub cpu_usage: f64,
    /// `mem_usage`: percent.
    pub mem_usage: f64,
    /// `evaluation_result`: the agent's verdict, for the console.
    pub evaluation_result: String,
}

impl NetworkCheck {
    /// The checked body as sent.
    pub(crate) fn to_body(&self) -> Result<Vec<u8>, InvalidRequest> {
        for (what, value) in [
            ("network_delay", self.network_delay),
            ("network_jitter", self.network_jitter),
            ("migration_speed", self.migration_speed),
            ("loss_percentage", self.loss_percentage),
            ("cpu_usage", self.cpu_usage),
            ("mem_usage", self.mem_usage),
        ] {
            check_measure(what, value)?;
        }
        if self.evaluation_result.trim().is_empty() {
            return Err(InvalidRequest::new("evaluation_result is empty"));
        }
        to_json("the network check", self)
    }
}

/// How one directory compared between source and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirCheck {
    /// `dir_check`: the directory.
    pub dir_check: String,
    /// `num_total_files`: files checked.
    pub num_total_files: u64,
    /// `num_different_files`: files whose contents differ.
    pub num_different_files: u64,
    /// `num_target_miss_files`: files the target lacks.
    pub num_target_miss_files: u64,
    /// `num_target_more_files`: files only the target has.
    pub num_target_more_files: u64,
}

/// The body of UpdateConsistencyResult for `dirs`: 1 to
/// [`MAX_CONSISTENCY_DIRS`] directories, each named.
pub(crate) fn consistency_body(dirs: &[DirCheck]) -> Result<Vec<u8>, InvalidRequest> {
    if dirs.is_empty() || dirs.len() > MAX_CONSISTENCY_DIRS {
        return Err(InvalidRequest::new(format!(
            "a consistency result carries 1 to {MAX_CONSISTENCY_DIRS} directories, not {}",
            dirs.len()
        )));
    }
    if let Some(i) = dirs.iter().position(|d| d.dir_check.trim().is_empty()) {
        return Err(InvalidRequest::new(format!(
            "consistency_result[{i}].dir_check is empty"
        )));
    }
    #[derive(Serialize)]
    struct Body<'a> {
        consistency_result: &'a [DirCheck],
    }
    to_json(
        "the consistency result",
        &Body {
            consistency_result: dirs,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> DirCheck {
        DirCheck {
            dir_check: name.into(),
            num_total_files: 10,
            num_different_files: 1,
            num_target_miss_files: 0,
            num_target_more_files: 2,
        }
    }

    #[test]
    fn consistency_bodies_are_bounded() {
        let body = consistency_body(&[dir("/etc")]).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["consistency_result"][0]["num_target_more_files"], 2);
        assert!(consistency_body(&[]).is_err());
        assert!(consistency_body(&vec![dir("/a"); 31]).is_err());
        assert!(consistency_body(&vec![dir("/a"); 30]).is_ok());
        let e = consistency_body(&[dir("/a"), dir("")]).unwrap_err();
        assert!(e.message().contains("[1].dir_check"), "{e}");
    }

    #[test]
    fn network_checks_carry_numbers() {
        let mut check = NetworkCheck {
            network_delay: 12.5,
            network_jitter: 0.4,
            migration_speed: 940.0,
            loss_percentage: 0.0,
            cpu_usage: 20.0,
            mem_usage: 35.0,
            evaluation_result: "good".into(),
        };
        let v: serde_json::Value = serde_json::from_slice(&check.to_body().unwrap()).unwrap();
        assert_eq!(v["network_delay"], 12.5);
        assert_eq!(v["evaluation_result"], "good");
        check.loss_percentage = f64::INFINITY;
        assert!(
            check
                .to_body()
                .unwrap_err()
                .message()
                .contains("loss_percentage")
        );
    }
}
