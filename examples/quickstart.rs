//! Runs the whole job against a local SMS stand-in: no credentials, no network.
//!
//! The stand-in speaks HTTPS on 127.0.0.1 with a certificate generated at
//! start; its CA goes through the same custom-CA option a private cloud uses.
//!
//!     cargo run --example quickstart

#[path = "../tests/support/mod.rs"]
mod support;

use hwsms::{AkSk, Config, Credentials, Error, fetch_command};

fn main() -> Result<(), Error> {
    // 1. A local stand-in for SMS, with its own private CA.
    let pki = support::Pki::new();
    let (ak, sk) = ("QUICKSTARTAK", "quickstart-secret-key");
    let server = support::Server::https(
        pki.server(),
        support::sms_standin(None, Some((ak.into(), sk.into()))),
    );
    println!("SMS stand-in listening on {}", server.url());

    // 2. Build a Config once: endpoint, AK/SK credentials, trusted CA.
    let config = Config::builder(
        server.url(),
        Credentials::ak_sk(AkSk::new(ak, sk).project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9")),
    )
    .ca_pem(pki.ca_pem.as_bytes())
    .build()?;

    // 3. Ask for the next command, exactly as an agent would.
    let response = fetch_command(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")?;
    let command = response.command()?;
    println!(
        "command: {} task_id={} bucket={} (request id {})",
        command.name().map_or("(nothing to do)", |n| n.as_str()),
        command.task_id().unwrap_or("-"),
        command.bucket().unwrap_or("-"),
        response.request_id().unwrap_or("-"),
    );

    // 4. The seed's 403: how an API error is reported.
    match fetch_command(&config, "no-permission") {
        Err(Error::Api(e)) => {
            println!("403 reported as: {e}");
            println!(
                "  status={} error_code={} retryable={} details={}",
                e.status(),
                e.error_code().unwrap_or("-"),
                e.is_retryable(),
                e.details().len()
            );
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
