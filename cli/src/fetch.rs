//! `hwsms fetch`: ask SMS for the next command and print it as one JSON
//! line; `--wait` polls until one arrives; `--diagnose` checks the path
//! instead (also `hwsms diagnose`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use hwsms::{Command, Diagnosis, PollSchedule, Polled, Poller, diagnose, fetch_command};

use crate::args::{Args, CONNECTION_HELP, Connection, ENVIRONMENT_HELP};
use crate::output::{self, EXIT_OTHER};
use crate::signals;

pub const USAGE: &str = "usage: hwsms fetch --server-id ID [--wait [--interval-ms N] | --diagnose] \
[--endpoint URL | --region ID] [--ca-file PEM | --system-roots] [--timeout-ms N] \
[--proxy URL | --proxy-from-env] [--retries N]";

const HELP: &str = "\
Asks Huawei Cloud SMS for the next command for a source server and prints it
as one JSON line: {\"command_name\":…,\"task_id\":…,\"bucket\":…}.

  --server-id ID        the source server's id
  --wait                poll until a command arrives (nothing-to-do answers
                        and retryable failures keep it waiting)
  --interval-ms N       poll interval with --wait (default 15000, jittered)
  --diagnose            check the path to SMS step by step instead (as
                        `hwsms diagnose`; --server-id is optional then)";

const EXITS: &str = "\
Exit codes: 0 a command (or nothing to do, without --wait); 1 network, TLS,
timeout or bad answer; 2 usage, configuration or invalid input; 3 an API
error (the last stderr line is {\"status\",\"error_code\",\"error_msg\",\"request_id\"});
130/143 on SIGINT/SIGTERM while waiting.";

struct Options {
    connection: Connection,
    wait: bool,
    interval: Option<Duration>,
    diagnose: bool,
}

fn parse(words: Vec<String>) -> Result<Option<Options>, String> {
    let mut args = Args::new(words);
    let mut connection = Connection::default();
    let (mut wait, mut interval, mut diagnose) = (false, None, false);
    while let Some(flag) = args.next_flag() {
        if connection.take(&flag, &mut args)? {
            continue;
        }
        match flag.as_str() {
            "--wait" => wait = true,
            "--diagnose" => diagnose = true,
            "--interval-ms" => {
                let ms = args.number()?;
                if ms == 0 {
                    return Err("--interval-ms must be greater than 0".into());
                }
                interval = Some(Duration::from_millis(ms));
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if diagnose {
        if wait {
            return Err("--diagnose and --wait do not go together".into());
        }
        connection.check_target()?;
    } else {
        connection.check()?;
    }
    if interval.is_some() && !wait {
        return Err("--interval-ms goes with --wait".into());
    }
    Ok(Some(Options {
        connection,
        wait,
        interval,
        diagnose,
    }))
}

/// The help text of `hwsms fetch`.
pub fn help() -> String {
    format!("{USAGE}\n\n{HELP}\n{CONNECTION_HELP}\n\n{EXITS}\n\n{ENVIRONMENT_HELP}")
}

pub fn run(words: Vec<String>) -> ExitCode {
    let options = match output::parsed(parse(words), help, USAGE) {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    output::note_credentials();
    if options.diagnose {
        return run_diagnosis(&options.connection);
    }
    let config = match options.connection.config() {
        Ok(c) => c,
        Err(e) => return output::fail(&e),
    };
    let server_id = options.connection.server_id();
    if !options.wait {
        let line = fetch_command(&config, server_id).and_then(|r| Ok(command_line(&r.command()?)));
        return match line {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => output::fail(&e),
        };
    }
    let mut poller = match Poller::new(&config, server_id) {
        Ok(p) => p,
        Err(e) => return output::fail(&e),
    };
    if let Some(interval) = options.interval {
        match PollSchedule::builder().interval(interval).build() {
            Ok(s) => poller.set_schedule(s),
            Err(e) => return output::fail(&e),
        }
    }
    wait_for_a_command(poller)
}

/// Polls until a command comes (printed whole, exit 0), a signal stops it
/// (143 or 130, nothing printed), or a failure that waiting cannot mend.
fn wait_for_a_command(mut poller: Poller) -> ExitCode {
    poller.on_retryable_error(|e, wait| eprintln!("retrying in {wait:.1?}: {e}"));
    let handle = poller.handle();
    signals::exit_on_signal(move || handle.stop());
    match poller.next() {
        // A signal's exit and this one cannot both run: the command is
        // printed whole with exit 0, or not at all with 143/130.
        Ok(Polled::Command(command)) => signals::exit_with(0, || {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", command_line(&command));
            let _ = out.flush();
        }),
        // Only a signal stops this poller; exit as its handler would.
        Ok(Polled::Stopped) => signals::exit_with(signals::signal_exit_code().unwrap_or(1), || {}),
        Err(e) => signals::fail_and_exit(&e),
    }
}

/// The diagnosis: a checklist on stderr, one JSON line on stdout; exit 0
/// when no step failed, 1 when one did.
pub fn run_diagnosis(connection: &Connection) -> ExitCode {
    let diagnosis = match connection.config() {
        Ok(config) => diagnose(&config, connection.server_id.as_deref()),
        Err(e) => Diagnosis::config_failed(&e),
    };
    eprint!("{diagnosis}");
    println!("{}", diagnosis.to_json());
    ExitCode::from(if diagnosis.ok() { 0 } else { EXIT_OTHER })
}

/// The success line, keys in the contract's order.
fn command_line(c: &Command<'_>) -> String {
    output::json_line(&[
        ("command_name", c.name().map(|n| n.as_str()).into()),
        ("task_id", c.task_id().into()),
        ("bucket", c.bucket().into()),
    ])
}

/// `hwsms diagnose`: `hwsms fetch --diagnose`.
pub fn run_diagnose_command(mut words: Vec<String>) -> ExitCode {
    if words.iter().any(|w| w == "-h" || w == "--help") {
        println!("{}", diagnose_help());
        return ExitCode::SUCCESS;
    }
    words.push("--diagnose".into());
    run(words)
}

const DIAGNOSE_USAGE: &str = "usage: hwsms diagnose [--server-id ID] [--endpoint URL | --region ID] \
[--ca-file PEM | --system-roots] [--timeout-ms N] [--proxy URL | --proxy-from-env]";

/// The help text of `hwsms diagnose`.
pub fn diagnose_help() -> String {
    format!(
        "{DIAGNOSE_USAGE}\n\n\
Checks the path to SMS step by step (config, dns, proxy, tcp, tls, clock,
auth, command): a checklist on stderr, one JSON line on stdout,
{{\"ok\":bool,\"clock_skew_secs\":number|null,\"steps\":[…]}}. Exit 0 when no
step fails (warnings allowed), 1 when one does, 2 for usage errors. The same
as `hwsms fetch --diagnose`.

  --server-id ID        the source server's id (optional: without it, the
                        command step is skipped)
{CONNECTION_HELP}\n\n{ENVIRONMENT_HELP}"
    )
}
