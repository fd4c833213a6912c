//! `hwsms`: the command line of hwsms, for shell-based agents and operators
//! (README, "Command line"). Its `fetch` and `report` keep the contract of
//! DESIGN.md §4: flags, one JSON line on success, exit codes 0/1/2/3.

mod args;
mod fetch;
mod output;
mod report;
mod signals;

use std::process::ExitCode;

const USAGE: &str = "usage: hwsms <command> [flags]   (hwsms <command> --help for its flags)";

const COMMANDS: &str = "\
Commands:
  fetch      ask SMS for the next command, print it as one JSON line
             (--wait: poll until one arrives)
  report     report how a command ended
  diagnose   check the path to SMS step by step
  help       this text, or `hwsms help <command>`

  -V, --version   print hwsms X.Y.Z
  -h, --help      print this help";

fn main() -> ExitCode {
    let mut words = std::env::args().skip(1);
    let Some(command) = words.next() else {
        return output::usage("a command is required", &format!("{USAGE}\n\n{COMMANDS}"));
    };
    let rest: Vec<String> = words.collect();
    match command.as_str() {
        "fetch" => fetch::run(rest),
        "report" => report::run(rest),
        "diagnose" => fetch::run_diagnose_command(rest),
        "help" | "-h" | "--help" => help(rest.first().map(String::as_str)),
        "-V" | "--version" | "version" => {
            println!("hwsms {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        other => output::usage(
            &format!("unknown command {other:?}"),
            &format!("{USAGE}\n\n{COMMANDS}"),
        ),
    }
}

/// `hwsms help [COMMAND]`.
fn help(command: Option<&str>) -> ExitCode {
    let text = match command {
        None => format!("{USAGE}\n\n{COMMANDS}"),
        Some("fetch") => fetch::help(),
        Some("report") => report::help(),
        Some("diagnose") => fetch::diagnose_help(),
        Some(other) => {
            return output::usage(&format!("unknown command {other:?}"), USAGE);
        }
    };
    println!("{text}");
    ExitCode::SUCCESS
}
