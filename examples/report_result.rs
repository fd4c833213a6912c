//! The command-line contract for reporting a result (README, "Command line"):
//!
//!     report_result (--endpoint URL | --region ID) --server-id ID --command NAME
//!                   --result success|fail [--detail JSON_OBJECT]
//!                   [--ca-file PEM | --system-roots] [--timeout-ms N]
//!                   [--proxy URL | --proxy-from-env] [--retries N]
//!
//! Exit codes: 0 reported (stdout `{"status":N}`); 2 usage or invalid input
//! (nothing sent); 3 API error (last stderr line is JSON); 1 anything else.

#[path = "cli/mod.rs"]
mod cli;

use std::process::ExitCode;

use hwsms::{CommandOutcome, report_command_result};

const USAGE: &str = "usage: report_result (--endpoint URL | --region ID) --server-id ID \
--command NAME --result success|fail [--detail JSON_OBJECT] \
[--ca-file PEM | --system-roots] [--timeout-ms N] [--proxy URL | --proxy-from-env] [--retries N]";

const HELP: &str = "\
Reports how a command ended to Huawei Cloud SMS
(POST /v3/sources/{server_id}/command_result) and prints {\"status\":N}.

  --command NAME        the command being reported, e.g. START
  --result R            success or fail
  --detail JSON         a JSON object stored with the result (default {})
  (connection flags as fetch_command: --endpoint/--region, --server-id,
   --ca-file/--system-roots, --timeout-ms, --proxy/--proxy-from-env, --retries)

Exit codes: 0 reported; 1 network, TLS or timeout; 2 usage or invalid input
(nothing is sent); 3 an API error (the last stderr line is
{\"status\",\"error_code\",\"error_msg\",\"request_id\"}).";

struct Args {
    connection: cli::Connection,
    command: String,
    outcome: CommandOutcome,
    detail: String,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = cli::Args::from_env();
    let mut connection = cli::Connection::default();
    let (mut command, mut outcome, mut detail) = (None, None, None);
    while let Some(flag) = args.next_flag() {
        if connection.take(&flag, &mut args)? {
            continue;
        }
        match flag.as_str() {
            "--command" => command = Some(args.value()?),
            "--result" => {
                let v = args.value()?;
                let parsed = v
                    .parse::<CommandOutcome>()
                    .map_err(|_| format!("--result must be success or fail, not {v:?}"))?;
                outcome = Some(parsed);
            }
            "--detail" => detail = Some(args.value()?),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    connection.check()?;
    Ok(Some(Args {
        connection,
        command: command.ok_or("--command is required")?,
        outcome: outcome.ok_or("--result is required")?,
        detail: detail.unwrap_or_else(|| "{}".into()),
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}\n\n{HELP}\n\n{}", cli::ENVIRONMENT_HELP);
            return ExitCode::SUCCESS;
        }
        Err(msg) => return cli::usage(&msg, USAGE),
    };
    cli::note_credentials();
    let result = args.connection.config().and_then(|config| {
        report_command_result(
            &config,
            args.connection.server_id(),
            &args.command,
            args.outcome,
            &args.detail,
        )
    });
    match result {
        Ok(receipt) => {
            println!("{}", cli::json_line(&[("status", receipt.status().into())]));
            ExitCode::SUCCESS
        }
        Err(e) => cli::fail(&e),
    }
}
