//! A local SMS stand-in for scripts (footprint, C tests, cross builds): an
//! HTTPS server on 127.0.0.1 with a freshly generated CA.
//!
//!     cargo run --example sms_standin -- --ca-out ca.pem [--port N] [--token T]
//!
//! Prints `https://127.0.0.1:PORT` on stdout once it listens, then serves
//! until stdin closes (or the process is killed). Server id `no-permission`
//! gets the seed 403; any other valid id the seed 200. With `--token`, other
//! tokens get a 401; AK/SK requests are not verified.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::Read;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut ca_out, mut port, mut token) = (None, 0u16, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ca-out" => ca_out = args.next(),
            "--port" => port = args.next().and_then(|p| p.parse().ok()).expect("--port N"),
            "--token" => token = args.next(),
            other => panic!("unknown argument {other}"),
        }
    }
    let pki = support::Pki::new();
    let ca_out = ca_out.expect("--ca-out FILE is required");
    std::fs::write(&ca_out, &pki.ca_pem).expect("write the CA file");
    let server = support::Server::https_on(port, pki.server(), support::sms_standin(token, None));
    println!("{}", server.url());
    // Serve until whoever started us closes our stdin.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
