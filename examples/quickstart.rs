//! Runs the whole job of an agent against a local SMS stand-in, in well
//! under a second: no credentials, no network.
//!
//! Poll until a command arrives, act on it, report its result, ask again
//! (nothing left to do), and stop. Each step prints what it sent and what
//! came back. Ctrl-C stops the poller at any point, as it would an agent.
//!
//! The stand-in speaks HTTPS on 127.0.0.1 with a certificate generated at
//! start; its CA goes through the same custom-CA option a private cloud uses.
//!
//!     cargo run --example quickstart

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use hwsms::{
    AkSk, CommandOutcome, Config, Credentials, Error, PollSchedule, Polled, Poller, fetch_command,
    report_command_result,
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        // Display is the readable message.
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let started = Instant::now();
    // 1. A local stand-in for SMS, with its own private CA. A server id
    //    starting `wait-` gets "nothing to do" twice before its command.
    let pki = support::Pki::new();
    let (ak, sk) = ("QUICKSTARTAK", "quickstart-secret-key");
    let server = support::Server::https(
        pki.server(),
        support::sms_standin(None, Some((ak.into(), sk.into()))),
    );
    println!("1. SMS stand-in listening on {}", server.url());

    // 2. One Config for every call: endpoint, AK/SK credentials, trusted CA.
    let config = Config::builder(
        server.url(),
        Credentials::ak_sk(AkSk::new(ak, sk).project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")),
    )
    .ca_pem(pki.ca_pem.as_bytes())
    .build()?;
    println!("2. config: AK/SK signing, the stand-in's CA");

    // 3. Poll until a command arrives. An agent keeps the 15 s default; here
    //    100 ms keeps the demonstration short.
    let server_id = "wait-quickstart";
    let mut poller = Poller::new(&config, server_id)?;
    poller.set_schedule(
        PollSchedule::builder()
            .interval(Duration::from_millis(100))
            .build()?,
    );
    stop_on_signal(&poller);
    let command = match poller.next()? {
        Polled::Command(command) => command,
        Polled::Stopped => {
            println!("stopped by a signal");
            return Ok(());
        }
    };
    let polls = server.requests();
    for (i, req) in polls.iter().enumerate() {
        let got = if i + 1 == polls.len() {
            "a command"
        } else {
            "nothing to do"
        };
        println!("3. sent {} {} -> {got}", req.method, req.path);
    }
    let name = command.name().map(|n| n.as_str()).unwrap_or_default();
    println!(
        "   got {name}: task_id={} bucket={}",
        command.task_id().unwrap_or("-"),
        command.bucket().unwrap_or("-"),
    );

    // 4. Act on it (an agent would start the migration task here).
    println!("4. acting on {name}");

    // 5. Report how it went, on the same Config.
    let receipt = report_command_result(
        &config,
        server_id,
        name,
        CommandOutcome::Success,
        r#"{"progress": 100}"#,
    )?;
    let sent = server.requests().pop().map(|r| (r.method, r.path));
    println!(
        "5. sent {} {} -> HTTP {}",
        sent.as_ref().map_or("", |s| s.0.as_str()),
        sent.as_ref().map_or("", |s| s.1.as_str()),
        receipt.status()
    );

    // 6. Ask again: the command was reported, so there is nothing to do.
    let again = fetch_command(&config, server_id)?;
    let next = again.command()?;
    println!(
        "6. asked again -> {}",
        next.name().map_or("nothing to do", |n| n.as_str())
    );

    // 7. Done: stop the poller, as a signal handler would.
    poller.handle().stop();
    if let Polled::Stopped = poller.next()? {
        println!("7. poller stopped");
    }

    // And how an API error looks: the seed's 403.
    if let Err(Error::Api(e)) = fetch_command(&config, "no-permission") {
        println!("an API error reads: {e}");
        println!(
            "  status={} error_code={} retryable={}",
            e.status(),
            e.error_code().unwrap_or("-"),
            e.is_retryable(),
        );
    }
    println!("the whole job took {:.0?}", started.elapsed());
    Ok(())
}

/// SIGINT/SIGTERM stop the poller at once.
#[cfg(unix)]
fn stop_on_signal(poller: &Poller) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let handle = poller.handle();
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                handle.stop();
            }
        });
    }
}

#[cfg(not(unix))]
fn stop_on_signal(_: &Poller) {}
