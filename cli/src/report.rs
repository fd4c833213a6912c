//! `hwsms report`: tell SMS how a command ended
//! (`POST /v3/sources/{server_id}/command_result`) and print `{"status":N}`.

use std::process::ExitCode;

use hwsms::{CommandOutcome, report_command_result};

use crate::args::{Args, CONNECTION_HELP, Connection, ENVIRONMENT_HELP};
use crate::output;

pub const USAGE: &str = "usage: hwsms report --server-id ID --command NAME --result success|fail \
[--detail JSON_OBJECT] [--endpoint URL | --region ID] [--ca-file PEM | --system-roots] \
[--timeout-ms N] [--proxy URL | --proxy-from-env] [--retries N]";

const HELP: &str = "\
Reports how a command ended to Huawei Cloud SMS
(POST /v3/sources/{server_id}/command_result) and prints {\"status\":N}.

  --server-id ID        the source server's id
  --command NAME        the command being reported, e.g. START
  --result R            success or fail
  --detail JSON         a JSON object stored with the result (default {})";

const EXITS: &str = "\
Exit codes: 0 reported; 1 network, TLS or timeout; 2 usage or invalid input
(nothing is sent); 3 an API error (the last stderr line is
{\"status\",\"error_code\",\"error_msg\",\"request_id\"}).";

struct Options {
    connection: Connection,
    command: String,
    outcome: CommandOutcome,
    detail: String,
}

fn parse(words: Vec<String>) -> Result<Option<Options>, String> {
    let mut args = Args::new(words);
    let mut connection = Connection::default();
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
    Ok(Some(Options {
        connection,
        command: command.ok_or("--command is required")?,
        outcome: outcome.ok_or("--result is required")?,
        detail: detail.unwrap_or_else(|| "{}".into()),
    }))
}

/// The help text of `hwsms report`.
pub fn help() -> String {
    format!("{USAGE}\n\n{HELP}\n{CONNECTION_HELP}\n\n{EXITS}\n\n{ENVIRONMENT_HELP}")
}

pub fn run(words: Vec<String>) -> ExitCode {
    let options = match output::parsed(parse(words), help, USAGE) {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    output::note_credentials();
    let result = options.connection.config().and_then(|config| {
        report_command_result(
            &config,
            options.connection.server_id(),
            &options.command,
            options.outcome,
            &options.detail,
        )
    });
    match result {
        Ok(receipt) => {
            println!(
                "{}",
                output::json_line(&[("status", receipt.status().into())])
            );
            ExitCode::SUCCESS
        }
        Err(e) => output::fail(&e),
    }
}
