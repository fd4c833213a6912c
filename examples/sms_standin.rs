//! A local SMS stand-in for trying the command-line examples and for
//! scripts (footprint, C tests, cross builds): an HTTPS server on 127.0.0.1
//! with a freshly generated CA.
//!
//!     cargo run --example sms_standin -- --ca-out ca.pem [--port N] [--token T]
//!
//! Prints `https://127.0.0.1:PORT` on stdout once it listens, then serves
//! until SIGTERM or SIGINT (Ctrl-C), whatever its stdin is.

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;

const USAGE: &str = "usage: sms_standin --ca-out FILE [--port N] [--token T] [--aes-gcm-only]";

const HELP: &str = "\
A local stand-in for Huawei Cloud SMS, for trying hwsms without an account.

  --ca-out FILE   where to write the stand-in's CA certificate (PEM); pass it
                  to the client as --ca-file FILE
  --port N        the port to listen on (default: any free one)
  --token T       accept only the token T (X-Auth-Token); other tokens get
                  401. Without it any credentials pass (signatures are not
                  checked).
  --aes-gcm-only  offer only AES-GCM cipher suites, as many servers prefer
                  (for checking valgrind suppressions)

It prints https://127.0.0.1:PORT once it listens, then one line per request
on stderr, and serves until SIGTERM or SIGINT. Answers by server id:
  no-permission   the API page's 403 (SMS.9004)
  unauthorized... a 401 (APIGW.0301)
  wait-...        \"nothing to do\" twice, then START
  slow-...        START, after 800 ms
  any other       the API page's START command
and `\"success\"` for a well-formed result report (POST .../command_result),
after which that id has nothing to do, as with SMS. The agent's other calls
(RegisterServer, ShowConfig, progress, cert/key, passphrase, check reports,
a source list) are answered too, each body checked; task id missing-task
gets SMS's 404.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut ca_out, mut port, mut token, mut aes_gcm_only) = (None, 0u16, None, false);
    while let Some(a) = args.next() {
        let value = match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}\n\n{HELP}");
                return ExitCode::SUCCESS;
            }
            "--aes-gcm-only" => {
                aes_gcm_only = true;
                continue;
            }
            "--ca-out" | "--port" | "--token" => args.next(),
            other => return usage(&format!("unknown argument {other:?}")),
        };
        let Some(value) = value else {
            return usage(&format!("{a} needs a value"));
        };
        match a.as_str() {
            "--ca-out" => ca_out = Some(value),
            "--port" => match value.parse() {
                Ok(p) => port = p,
                Err(_) => return usage("--port needs a number from 0 to 65535"),
            },
            _ => token = Some(value),
        }
    }
    let Some(ca_out) = ca_out else {
        return usage("--ca-out FILE is required");
    };
    let pki = support::Pki::new();
    if let Err(e) = std::fs::write(&ca_out, &pki.ca_pem) {
        eprintln!("error: cannot write the CA to {ca_out}: {e}");
        return ExitCode::from(1);
    }
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    let tls = if aes_gcm_only {
        pki.server_aes_gcm_only()
    } else {
        pki.server()
    };
    let answer = support::sms_standin(token, None);
    let server = support::Server::https_listening(listener, tls, move |req| {
        let reply = answer(req);
        let status = match &reply {
            support::Reply::Full { status, .. } => *status,
            _ => 0,
        };
        eprintln!("{} {} -> {status}", req.method, req.path);
        reply
    });
    println!("{}", server.url());
    wait_for_a_signal();
    ExitCode::SUCCESS
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}\n{USAGE}\n(--help for more)");
    ExitCode::from(2)
}

#[cfg(unix)]
fn wait_for_a_signal() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) {
        Ok(mut signals) => {
            signals.forever().next();
        }
        Err(e) => {
            eprintln!("warning: cannot watch SIGTERM/SIGINT ({e}); serving until killed");
            loop {
                std::thread::park();
            }
        }
    }
}

#[cfg(not(unix))]
fn wait_for_a_signal() {
    // Ctrl-C ends the process the usual way.
    loop {
        std::thread::park();
    }
}
