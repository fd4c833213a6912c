//! `hwsms call METHOD PATH [--body FILE]`: any SMS v3 API, printing the
//! answer's body on 2xx.

use std::process::ExitCode;

use hwsms::agent::{SmsRequest, call};

use crate::agent_flags::{self, Texts, read_input};
use crate::output;

pub const TEXTS: Texts = Texts {
    usage: "usage: hwsms call METHOD PATH [--body FILE|-] [--endpoint URL | --region ID] \
[connection flags]",
    help: "\
Calls any SMS v3 API on the same signing, retries and errors as fetch, and
prints the answer's body on a 2xx (empty bodies print nothing).

  METHOD                GET, POST, PUT, DELETE or PATCH
  PATH                  /v3/…, with an optional ?query (%XX escapes decoded)
  --body FILE           a JSON body (- reads stdin)

GET, PUT and DELETE are retried like a fetch; POST and PATCH only when the
request cannot have reached SMS.",
};

pub fn run(words: Vec<String>) -> ExitCode {
    let mut positional = Vec::new();
    let mut body_path = None;
    let parsed = agent_flags::parse(words, |flag, args| {
        match flag {
            "--body" => body_path = Some(args.value()?),
            word if !word.starts_with('-') => positional.push(word.to_string()),
            _ => return Ok(false),
        }
        Ok(true)
    });
    let connection = match agent_flags::connection(&TEXTS, parsed) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let request = match request(&positional, body_path.as_deref()) {
        Ok(r) => r,
        Err(msg) => return output::usage(&msg, TEXTS.usage),
    };
    agent_flags::run(&connection, |config| {
        let answer = call(config, &request)?;
        let body = String::from_utf8_lossy(answer.body());
        Ok(body.trim_end_matches('\n').to_string())
    })
}

fn request(positional: &[String], body: Option<&str>) -> Result<SmsRequest, String> {
    let [method, target] = positional else {
        return Err("call takes METHOD and PATH".into());
    };
    let request = SmsRequest::parse(method, target).map_err(|e| e.to_string())?;
    match body {
        Some(path) => request
            .json_body(&read_input(path)?)
            .map_err(|e| e.to_string()),
        None => Ok(request),
    }
}
