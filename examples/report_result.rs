//! The library's way to tell SMS how a command ended, with every setting
//! from the environment (README, "Environment variables"). For the command
//! line, install the `hwsms` program: `hwsms report`.
//!
//!     HWSMS_ENDPOINT=https://… HUAWEICLOUD_SDK_AUTH_TOKEN=… \
//!         cargo run --example report_result -- SERVER_ID START success

use std::process::ExitCode;

use hwsms::{CommandOutcome, Config, Error, report_command_result};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server_id, command, result] = &args[..] else {
        eprintln!("usage: report_result SERVER_ID COMMAND success|fail");
        return ExitCode::from(2);
    };
    let reported = result
        .parse::<CommandOutcome>()
        .map_err(Error::from)
        .and_then(|outcome| {
            let config = Config::from_env()?;
            report_command_result(&config, server_id, command, outcome, r#"{"by":"example"}"#)
        });
    match reported {
        Ok(receipt) => {
            println!("reported (HTTP {})", receipt.status());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
