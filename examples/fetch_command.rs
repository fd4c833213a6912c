//! The command-line contract (README, "Command line"): ask SMS for the next
//! command and print it as one JSON line.
//!
//!     fetch_command (--endpoint URL | --region ID) --server-id ID
//!                   [--ca-file PEM | --system-roots] [--timeout-ms N]
//!                   [--proxy URL | --proxy-from-env] [--retries N]
//!                   [--wait [--interval-ms N]]
//!     fetch_command --diagnose (--endpoint URL | --region ID) [--server-id ID] [...]
//!
//! Exit codes: 0 success; 2 usage, configuration or invalid input; 3 API
//! error (non-2xx; last stderr line is JSON); 1 anything else. With
//! `--wait`, SIGTERM exits 143 and SIGINT 130, printing nothing on stdout.

#[path = "cli/mod.rs"]
mod cli;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use hwsms::{Command, Diagnosis, PollSchedule, Polled, Poller, diagnose, fetch_command};

const USAGE: &str = "usage: fetch_command (--endpoint URL | --region ID) --server-id ID \
[--ca-file PEM | --system-roots] [--timeout-ms N] [--proxy URL | --proxy-from-env] [--retries N] \
[--wait [--interval-ms N] | --diagnose]";

const HELP: &str = "\
Asks Huawei Cloud SMS for the next command for a source server and prints it
as one JSON line: {\"command_name\":…,\"task_id\":…,\"bucket\":…}.

  --endpoint URL        the SMS endpoint (https://…), or
  --region ID           a region id, e.g. ap-southeast-3
  --server-id ID        the source server's id
  --ca-file PEM         trust only these CAs (private cloud, inspecting proxy)
  --system-roots        trust the host's CA bundle instead of the built-in roots
  --timeout-ms N        deadline per call, retries included (default 30000)
  --proxy URL           http://[user:password@]host:port
  --proxy-from-env      use HTTPS_PROXY/ALL_PROXY/NO_PROXY
  --retries N           retries after retryable failures, 0-9 (default 2)
  --wait                poll until a command arrives (nothing-to-do answers
                        and retryable failures keep it waiting)
  --interval-ms N       poll interval with --wait (default 15000, jittered)
  --diagnose            check the path to SMS step by step (config, dns, proxy,
                        tcp, tls, clock, auth, command): a checklist on stderr,
                        one JSON line on stdout; exit 0 when no step fails,
                        1 when one does (--server-id is optional here)

Exit codes: 0 a command (or nothing to do, without --wait); 1 network, TLS,
timeout or bad answer; 2 usage, configuration or invalid input; 3 an API
error (the last stderr line is {\"status\",\"error_code\",\"error_msg\",\"request_id\"});
130/143 on SIGINT/SIGTERM while waiting.";

struct Args {
    connection: cli::Connection,
    wait: bool,
    interval: Option<Duration>,
    diagnose: bool,
}

enum Parsed {
    Run(Args),
    Help,
}

fn parse_args() -> Result<Parsed, String> {
    let mut args = cli::Args::from_env();
    let mut connection = cli::Connection::default();
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
            "-h" | "--help" => return Ok(Parsed::Help),
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
    Ok(Parsed::Run(Args {
        connection,
        wait,
        interval,
        diagnose,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            println!("{USAGE}\n\n{HELP}\n\n{}", cli::ENVIRONMENT_HELP);
            return ExitCode::SUCCESS;
        }
        Err(msg) => return cli::usage(&msg, USAGE),
    };
    cli::note_credentials();
    if args.diagnose {
        let diagnosis = match args.connection.config() {
            Ok(config) => diagnose(&config, args.connection.server_id.as_deref()),
            Err(e) => Diagnosis::config_failed(&e),
        };
        eprint!("{diagnosis}");
        println!("{}", diagnosis.to_json());
        return ExitCode::from(if diagnosis.ok() { 0 } else { cli::EXIT_OTHER });
    }
    let config = match args.connection.config() {
        Ok(c) => c,
        Err(e) => return cli::fail(&e),
    };
    let server_id = args.connection.server_id();
    if !args.wait {
        return match fetch_command(&config, server_id).and_then(|r| Ok(command_line(&r.command()?)))
        {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => cli::fail(&e),
        };
    }
    let mut poller = match Poller::new(&config, server_id) {
        Ok(p) => p,
        Err(e) => return cli::fail(&e),
    };
    if let Some(interval) = args.interval {
        match PollSchedule::builder().interval(interval).build() {
            Ok(s) => poller.set_schedule(s),
            Err(e) => return cli::fail(&e),
        }
    }
    poller.on_retryable_error(|e, wait| eprintln!("retrying in {wait:.1?}: {e}"));
    let handle = poller.handle();
    cli::exit_on_signal(move || handle.stop());
    match poller.next() {
        // A signal's exit and this one cannot both run: the command is
        // printed whole with exit 0, or not at all with 143/130.
        Ok(Polled::Command(command)) => cli::exit_with(0, || {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", command_line(&command));
            let _ = out.flush();
        }),
        // Only a signal stops this poller; exit as its handler would.
        Ok(Polled::Stopped) => cli::exit_with(cli::signal_exit_code().unwrap_or(1), || {}),
        Err(e) => cli::fail_and_exit(&e),
    }
}

/// The success line, keys in the contract's order.
fn command_line(c: &Command<'_>) -> String {
    cli::json_line(&[
        ("command_name", c.name().map(|n| n.as_str()).into()),
        ("task_id", c.task_id().into()),
        ("bucket", c.bucket().into()),
    ])
}
