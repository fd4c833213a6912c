//! `hwsms`: the command line of hwsms, for shell-based agents and operators
//! (README, "Command line"). Its `fetch` and `report` keep the contract of
//! DESIGN.md §4: flags, one JSON line on success, exit codes 0/1/2/3; the
//! agent's other calls (register, progress, certkey, config, call) follow it.

mod agent_flags;
mod args;
mod call;
mod certkey;
mod fetch;
mod output;
mod progress;
mod register;
mod report;
mod settings;
mod signals;

use std::process::ExitCode;

const USAGE: &str = "usage: hwsms <command> [flags]   (hwsms <command> --help for its flags)";

const COMMANDS: &str = "\
Commands:
  fetch      ask SMS for the next command, print it as one JSON line
             (--wait: poll until one arrives)
  report     report how a command ended
  diagnose   check the path to SMS step by step
  register   register this host as a source server, print its id
  progress   report how far a task's copy is
  certkey    fetch a task's certificates and keys into a private directory
  config     print the settings SMS gives an agent
  call       call any SMS v3 API (METHOD PATH [--body FILE])
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
        "register" => register::run(rest),
        "progress" => progress::run(rest),
        "certkey" => certkey::run(rest),
        "config" => settings::run(rest),
        "call" => call::run(rest),
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
        Some("register") => register::TEXTS.full_help(),
        Some("progress") => progress::TEXTS.full_help(),
        Some("certkey") => certkey::TEXTS.full_help(),
        Some("config") => settings::TEXTS.full_help(),
        Some("call") => call::TEXTS.full_help(),
        Some(other) => {
            return output::usage(&format!("unknown command {other:?}"), USAGE);
        }
    };
    println!("{text}");
    ExitCode::SUCCESS
}
