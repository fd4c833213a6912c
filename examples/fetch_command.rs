//! The library's way to ask SMS for the next command, once, with every
//! setting from the environment (README, "Environment variables"). For the
//! command line, install the `hwsms` program: `hwsms fetch`.
//!
//!     HWSMS_ENDPOINT=https://… HUAWEICLOUD_SDK_AUTH_TOKEN=… \
//!         cargo run --example fetch_command -- SERVER_ID

use std::process::ExitCode;

use hwsms::{Config, fetch_command};

fn main() -> ExitCode {
    let Some(server_id) = std::env::args().nth(1) else {
        eprintln!("usage: fetch_command SERVER_ID");
        return ExitCode::from(2);
    };
    let asked = Config::from_env().and_then(|config| fetch_command(&config, &server_id));
    match asked {
        Ok(response) => match response.command() {
            Ok(command) => {
                match command.name() {
                    Some(name) => println!("{name} (task {:?})", command.task_id()),
                    None => println!("nothing to do"),
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        // The message says what happened and what to do about it.
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
