//! `hwsms config`: the settings SMS gives an agent (ShowConfig), as one
//! JSON line.

use std::process::ExitCode;

use hwsms::agent::show_config;

use crate::agent_flags::{self, Texts};

pub const TEXTS: Texts = Texts {
    usage: "usage: hwsms config [--endpoint URL | --region ID] [connection flags]",
    help: "\
Reads the settings SMS gives an agent (GET /v3/config: the main region, the
OBS domain, …) and prints the answer as one JSON line:
{\"config\":{…},\"regions\":[…]}.",
};

pub fn run(words: Vec<String>) -> ExitCode {
    let parsed = agent_flags::parse(words, |_, _| Ok(false));
    let connection = match agent_flags::connection(&TEXTS, parsed) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    agent_flags::run(&connection, |config| {
        let answer = show_config(config)?;
        let settings = answer.settings()?;
        let object = |pairs: &[(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)]| {
            serde_json::Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.as_ref().into()))
                    .collect(),
            )
        };
        let line = serde_json::json!({
            "config": object(&settings.config),
            "regions": settings.regions.iter().map(|r| object(r)).collect::<Vec<_>>(),
        });
        Ok(line.to_string())
    })
}
