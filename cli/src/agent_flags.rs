//! What the agent-call commands (register, progress, certkey, config,
//! call) share: their flag loop, their exit codes and their one result.

use std::io::Read;
use std::process::ExitCode;

use hwsms::{Config, Error};

use crate::args::{Args, CONNECTION_HELP, Connection, ENVIRONMENT_HELP};
use crate::output;

/// The exit codes every agent-call command shares with `report`.
pub const EXITS: &str = "\
Exit codes: 0 done; 1 network, TLS, timeout or an answer that is not what
SMS sends; 2 usage or invalid input (nothing is sent); 3 an API error (the
last stderr line is {\"status\",\"error_code\",\"error_msg\",\"request_id\"}).";

/// One command's texts.
pub struct Texts {
    pub usage: &'static str,
    pub help: &'static str,
}

impl Texts {
    /// The whole `--help` text.
    pub fn full_help(&self) -> String {
        format!(
            "{}\n\n{}\n{CONNECTION_HELP}\n\n{EXITS}\n\n{ENVIRONMENT_HELP}",
            self.usage, self.help
        )
    }
}

/// Reads the words: connection flags here, the command's own through
/// `own` (which returns false for a flag it does not know).
/// `None` after `--help`.
pub fn parse(
    words: Vec<String>,
    mut own: impl FnMut(&str, &mut Args) -> Result<bool, String>,
) -> Result<Option<Connection>, String> {
    let mut args = Args::new(words);
    let mut connection = Connection::default();
    while let Some(flag) = args.next_flag() {
        if connection.take(&flag, &mut args)? || own(&flag, &mut args)? {
            continue;
        }
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    connection.check_target()?;
    Ok(Some(connection))
}

/// The connection to run with, or the exit after `--help` or a usage error.
pub fn connection(
    texts: &Texts,
    parsed: Result<Option<Connection>, String>,
) -> Result<Connection, ExitCode> {
    output::parsed(parsed, || texts.full_help(), texts.usage)
}

/// Runs a command whose input is checked: build the config, `call`, print
/// its line.
pub fn run(
    connection: &Connection,
    call: impl FnOnce(&Config) -> Result<String, Error>,
) -> ExitCode {
    output::note_credentials();
    match connection.config().and_then(|config| call(&config)) {
        Ok(line) => {
            if !line.is_empty() {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => output::fail(&e),
    }
}

/// The text of a file, or of stdin for `-`.
pub fn read_input(path: &str) -> Result<String, String> {
    let limit = hwsms::limits::MAX_REQUEST_BODY as u64;
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().take(limit + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit + 1).read_to_string(&mut text))
    };
    read.map_err(|e| format!("cannot read {path}: {e}"))?;
    if text.len() as u64 > limit {
        return Err(format!("{path} is larger than {limit} bytes"));
    }
    Ok(text)
}

/// The value of a required flag.
pub fn required<T>(value: Option<T>, flag: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{flag} is required"))
}
