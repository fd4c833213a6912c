//! `hwsms register --body FILE`: register this host as a source server
//! (RegisterServer) and print `{"id":…}`.

use std::process::ExitCode;

use hwsms::agent::{SourceRegistration, register_source};

use crate::agent_flags::{self, Texts, read_input, required};
use crate::output;

pub const TEXTS: Texts = Texts {
    usage: "usage: hwsms register --body FILE|- [--endpoint URL | --region ID] [connection flags]",
    help: "\
Registers this host as a source server (POST /v3/sources) and prints
{\"id\":…}: the server id every later command takes.

  --body FILE           the RegisterServer body, one JSON object (- reads
                        stdin). Required: name, os_type (LINUX|WINDOWS),
                        os_version, agent_version, networks (the first with
                        its mac), and ip or ipv6. A body without one exits 2,
                        names it and sends nothing.

Not resent once it may have reached SMS (a second registration makes a
second source): after a timeout, look the source up before trying again
(hwsms call GET '/v3/sources?name=…').",
};

pub fn run(words: Vec<String>) -> ExitCode {
    let mut body_path = None;
    let parsed = agent_flags::parse(words, |flag, args| {
        match flag {
            "--body" => body_path = Some(args.value()?),
            _ => return Ok(false),
        }
        Ok(true)
    });
    let connection = match agent_flags::connection(&TEXTS, parsed) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    // Read and checked before anything else: a bad body sends nothing.
    let body = match load(body_path.as_deref()) {
        Ok(body) => body,
        Err(msg) => return output::usage(&msg, TEXTS.usage),
    };
    let missing = body.missing_for_environment_check();
    if !missing.is_empty() {
        eprintln!(
            "note: SMS's environment check will want these fields too: {}",
            missing.join(", ")
        );
    }
    agent_flags::run(&connection, |config| {
        let source = register_source(config, &body)?;
        Ok(output::json_line(&[("id", source.id().into())]))
    })
}

fn load(path: Option<&str>) -> Result<SourceRegistration, String> {
    let text = read_input(required(path, "--body")?)?;
    SourceRegistration::from_json(&text).map_err(|e| e.to_string())
}
