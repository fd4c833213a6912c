//! UpdateTaskSpeed's body (`PUT /v3/tasks/{task_id}/progress`): which
//! subtask, how far, how many bytes, and the optional gauges the console
//! shows.

use std::fmt;

use serde::{Serialize, Serializer};

use super::json::{check_measure, to_json};
use crate::error::InvalidRequest;

macro_rules! subtasks {
    ($($variant:ident => $wire:literal,)*) => {
        /// A migration subtask: `subtask_name`. Open: a name SMS adds later
        /// travels as [`Subtask::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Subtask {
            $(
                #[doc = concat!("`", $wire, "`.")]
                $variant,
            )*
            /// Any other name, sent as given.
            Other(String),
        }

        impl Subtask {
            /// Every subtask SMS documents today.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The wire name.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Subtask::$variant => $wire,)*
                    Subtask::Other(name) => name,
                }
            }

            /// The subtask named `name`; an unknown name becomes
            /// [`Subtask::Other`].
            pub fn new(name: &str) -> Self {
                match name {
                    $($wire => Subtask::$variant,)*
                    other => Subtask::Other(other.to_string()),
                }
            }
        }
    };
}

subtasks! {
    CreateCloudServer => "CREATE_CLOUD_SERVER",
    SslConfig => "SSL_CONFIG",
    AttachAgentImage => "ATTACH_AGENT_IMAGE",
    DetachAgentImage => "DETTACH_AGENT_IMAGE",
    FormatDiskLinux => "FORMAT_DISK_LINUX",
    FormatDiskLinuxFile => "FORMAT_DISK_LINUX_FILE",
    FormatDiskLinuxBlock => "FORMAT_DISK_LINUX_BLOCK",
    FormatDiskWindows => "FORMAT_DISK_WINDOWS",
    MigrateLinuxFile => "MIGRATE_LINUX_FILE",
    MigrateLinuxBlock => "MIGRATE_LINUX_BLOCK",
    MigrateWindowsBlock => "MIGRATE_WINDOWS_BLOCK",
    CloneVm => "CLONE_VM",
    SyncLinuxFile => "SYNC_LINUX_FILE",
    SyncLinuxBlock => "SYNC_LINUX_BLOCK",
    SyncWindowsBlock => "SYNC_WINDOWS_BLOCK",
    ConfigureLinux => "CONFIGURE_LINUX",
    ConfigureLinuxBlock => "CONFIGURE_LINUX_BLOCK",
    ConfigureLinuxFile => "CONFIGURE_LINUX_FILE",
    ConfigureWindows => "CONFIGURE_WINDOWS",
}

impl fmt::Display for Subtask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Subtask {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An UpdateTaskSpeed body. [`TaskProgress::new`] takes the required
/// fields; the optional gauges are public fields, sent when set.
///
/// ```
/// use hwsms::agent::{Subtask, TaskProgress};
///
/// let progress = TaskProgress {
///     migrate_speed: Some(112.5),
///     ..TaskProgress::new(Subtask::MigrateLinuxBlock, 42, 42 << 30, 100 << 30)
/// };
/// # let _ = progress;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskProgress {
    /// `subtask_name`.
    #[serde(rename = "subtask_name")]
    pub subtask: Subtask,
    /// `progress`: percent done, 0 to 100.
    pub progress: u32,
    /// `replicatesize`: bytes copied so far.
    #[serde(rename = "replicatesize")]
    pub replicated_bytes: u64,
    /// `totalsize`: bytes to copy in all.
    #[serde(rename = "totalsize")]
    pub total_bytes: u64,
    /// `process_trace`: what the agent is doing, for the console.
    pub process_trace: String,
    /// `migrate_speed`: MB/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrate_speed: Option<f64>,
    /// `compress_rate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compress_rate: Option<f64>,
    /// `remain_time`: seconds left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remain_time: Option<f64>,
    /// `total_cpu_usage`: percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_cpu_usage: Option<f64>,
    /// `agent_cpu_usage`: percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_cpu_usage: Option<f64>,
    /// `total_mem_usage`: MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_mem_usage: Option<f64>,
    /// `agent_mem_usage`: MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_mem_usage: Option<f64>,
    /// `total_disk_io`: MB/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_disk_io: Option<f64>,
    /// `agent_disk_io`: MB/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_disk_io: Option<f64>,
    /// `need_migration_test`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need_migration_test: Option<bool>,
    /// `agent_time`: the agent's own time, as it writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_time: Option<String>,
}

impl TaskProgress {
    /// A body with the required fields, an empty trace and no gauges.
    pub fn new(subtask: Subtask, progress: u32, replicated_bytes: u64, total_bytes: u64) -> Self {
        TaskProgress {
            subtask,
            progress,
            replicated_bytes,
            total_bytes,
            process_trace: String::new(),
            migrate_speed: None,
            compress_rate: None,
            remain_time: None,
            total_cpu_usage: None,
            agent_cpu_usage: None,
            total_mem_usage: None,
            agent_mem_usage: None,
            total_disk_io: None,
            agent_disk_io: None,
            need_migration_test: None,
            agent_time: None,
        }
    }

    /// The same body with `trace` as its `process_trace`.
    pub fn trace(mut self, trace: &str) -> Self {
        self.process_trace = trace.to_string();
        self
    }

    /// SMS's rules: a named subtask, a percentage, sizes JSON carries
    /// exactly, gauges that are numbers.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        if self.subtask.as_str().trim().is_empty() {
            return Err(InvalidRequest::new("subtask_name is empty"));
        }
        if self.progress > 100 {
            return Err(InvalidRequest::new(format!(
                "progress is {}; it is a percentage, 0 to 100",
                self.progress
            )));
        }
        // Beyond 2^53 a JSON reader that parses numbers as doubles (as
        // many do) rounds the size.
        const EXACT: u64 = 1 << 53;
        for (what, bytes) in [
            ("replicatesize", self.replicated_bytes),
            ("totalsize", self.total_bytes),
        ] {
            if bytes > EXACT {
                return Err(InvalidRequest::new(format!(
                    "{what} is {bytes}, more than the {EXACT} bytes JSON numbers carry exactly"
                )));
            }
        }
        let gauges = [
            ("migrate_speed", self.migrate_speed),
            ("compress_rate", self.compress_rate),
            ("remain_time", self.remain_time),
            ("total_cpu_usage", self.total_cpu_usage),
            ("agent_cpu_usage", self.agent_cpu_usage),
            ("total_mem_usage", self.total_mem_usage),
            ("agent_mem_usage", self.agent_mem_usage),
            ("total_disk_io", self.total_disk_io),
            ("agent_disk_io", self.agent_disk_io),
        ];
        for (what, value) in gauges {
            if let Some(v) = value {
                check_measure(what, v)?;
            }
        }
        Ok(())
    }

    /// The checked body as sent.
    pub(crate) fn to_body(&self) -> Result<Vec<u8>, InvalidRequest> {
        self.check()?;
        to_json("the progress body", self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_kept() {
        assert_eq!(Subtask::KNOWN.len(), 19);
        for name in Subtask::KNOWN {
            let s = Subtask::new(name);
            assert!(!matches!(s, Subtask::Other(_)), "{name}");
            assert_eq!(s.as_str(), *name);
        }
        assert_eq!(Subtask::new("NEW_STEP"), Subtask::Other("NEW_STEP".into()));
        assert_eq!(Subtask::new("NEW_STEP").to_string(), "NEW_STEP");
    }

    #[test]
    fn the_body_has_the_wire_names() {
        let p = TaskProgress {
            need_migration_test: Some(false),
            ..TaskProgress::new(Subtask::MigrateLinuxFile, 40, 400, 1000).trace("copying /var")
        };
        let body: serde_json::Value = serde_json::from_slice(&p.to_body().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"subtask_name": "MIGRATE_LINUX_FILE", "progress": 40,
                "replicatesize": 400, "totalsize": 1000, "process_trace": "copying /var",
                "need_migration_test": false})
        );
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let base = TaskProgress::new(Subtask::CloneVm, 100, 0, 0);
        assert!(base.check().is_ok());
        let e = TaskProgress {
            progress: 101,
            ..base.clone()
        }
        .check()
        .unwrap_err();
        assert!(e.message().contains("0 to 100"), "{e}");
        let e = TaskProgress {
            total_bytes: u64::MAX,
            ..base.clone()
        }
        .check()
        .unwrap_err();
        assert!(e.message().contains("totalsize"), "{e}");
        let e = TaskProgress {
            migrate_speed: Some(f64::NAN),
            ..base.clone()
        }
        .check()
        .unwrap_err();
        assert!(e.message().contains("migrate_speed"), "{e}");
        let e = TaskProgress {
            agent_cpu_usage: Some(-1.0),
            ..base.clone()
        }
        .check()
        .unwrap_err();
        assert!(e.message().contains("agent_cpu_usage"), "{e}");
        let e = TaskProgress::new(Subtask::new(""), 1, 0, 0)
            .check()
            .unwrap_err();
        assert!(e.message().contains("subtask_name"), "{e}");
    }
}
