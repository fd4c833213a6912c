//! `hwsms progress`: report how far a task's copy is (UpdateTaskSpeed).

use std::process::ExitCode;

use hwsms::agent::{Subtask, TaskProgress, report_progress};

use crate::agent_flags::{self, Texts, required};
use crate::output;

pub const TEXTS: Texts = Texts {
    usage: "usage: hwsms progress --task-id T --subtask NAME --progress N --replicated BYTES \
--total BYTES [--trace TEXT] [--endpoint URL | --region ID] [connection flags]",
    help: "\
Reports a task's progress (PUT /v3/tasks/{task_id}/progress) and prints
{\"status\":N}. Idempotent: retried like a fetch.

  --task-id T           the migration task's id
  --subtask NAME        e.g. MIGRATE_LINUX_BLOCK, SYNC_LINUX_FILE,
                        CONFIGURE_WINDOWS (names SMS adds later are sent as given)
  --progress N          percent done, 0-100
  --replicated BYTES    bytes copied so far
  --total BYTES         bytes to copy in all
  --trace TEXT          what the agent is doing, for the console

Out-of-range values exit 2 before any request.",
};

#[derive(Default)]
struct Flags {
    task: Option<String>,
    subtask: Option<String>,
    progress: Option<u64>,
    replicated: Option<u64>,
    total: Option<u64>,
    trace: String,
}

impl Flags {
    /// The task and its checked body.
    fn body(self) -> Result<(String, TaskProgress), String> {
        let progress = required(self.progress, "--progress")?;
        // The core checks the range too; here it also covers values a u32
        // cannot hold.
        if progress > 100 {
            return Err(format!(
                "--progress is a percentage, 0 to 100, not {progress}"
            ));
        }
        let body = TaskProgress::new(
            Subtask::new(&required(self.subtask, "--subtask")?),
            progress as u32,
            required(self.replicated, "--replicated")?,
            required(self.total, "--total")?,
        )
        .trace(&self.trace);
        Ok((required(self.task, "--task-id")?, body))
    }
}

pub fn run(words: Vec<String>) -> ExitCode {
    let mut f = Flags::default();
    let parsed = agent_flags::parse(words, |flag, args| {
        match flag {
            "--task-id" => f.task = Some(args.value()?),
            "--subtask" => f.subtask = Some(args.value()?),
            "--progress" => f.progress = Some(args.number()?),
            "--replicated" => f.replicated = Some(args.number()?),
            "--total" => f.total = Some(args.number()?),
            "--trace" => f.trace = args.value()?,
            _ => return Ok(false),
        }
        Ok(true)
    });
    let connection = match agent_flags::connection(&TEXTS, parsed) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let (task, body) = match f.body() {
        Ok(b) => b,
        Err(msg) => return output::usage(&msg, TEXTS.usage),
    };
    agent_flags::run(&connection, |config| {
        let receipt = report_progress(config, &task, &body)?;
        Ok(output::json_line(&[("status", receipt.status().into())]))
    })
}
