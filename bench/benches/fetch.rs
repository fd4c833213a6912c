//! Whole calls against a local server, in the same run:
//!
//! - `keepalive_*`: `fetch_command` (validate id, build and send the request,
//!   read the body with a cap, classify, decode) against a raw ureq GET of
//!   the same URL with the same agent settings and cipher order; the
//!   difference is the library's own overhead. `report_command_result` (a
//!   signed-or-token POST with a JSON body) sits next to them.
//! - `reconnect_https`: the server closes after every answer, so every call
//!   opens a new TLS connection; a server that refuses resumption forces a
//!   full handshake, the same server with its session cache resumes.
//!
//!     cargo bench --bench fetch

#[path = "../../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::io::Read;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use hwsms::{CommandOutcome, Config, Credentials, fetch_command, report_command_result};
use support::{Pki, Reply, SEED_200, Server};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const TOKEN: &str = "bench-token";

/// The agent `Config::build` makes, built by hand.
fn raw_agent(ca_pem: Option<&str>) -> ureq::Agent {
    let roots = match ca_pem {
        Some(pem) => {
            let certs: Vec<_> = ureq::tls::parse_pem(pem.as_bytes())
                .filter_map(|i| match i.unwrap() {
                    ureq::tls::PemItem::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect();
            ureq::tls::RootCerts::Specific(Arc::new(certs))
        }
        None => ureq::tls::RootCerts::WebPki,
    };
    // Same settings as `Config::build`, timeouts included: ureq arms a socket
    // timeout around every read and write when a timeout is set, which is
    // part of the cost of any bounded call.
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .save_redirect_history(false)
        .timeout_connect(Some(hwsms::limits::DEFAULT_CONNECT_TIMEOUT))
        .timeout_global(Some(hwsms::limits::DEFAULT_TIMEOUT))
        .max_response_header_size(hwsms::limits::MAX_RESPONSE_HEADER_SIZE)
        .proxy(None)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(roots)
                .unversioned_rustls_crypto_provider(chacha_first())
                .build(),
        )
        .user_agent(hwsms::config::DEFAULT_USER_AGENT)
        .accept("application/json")
        .build()
        .into()
}

/// ring with ChaCha20-Poly1305 offered first, as `Config` does, so that the
/// comparison measures the library, not a cipher choice.
fn chacha_first() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::CipherSuite::*;
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.sort_by_key(|s| {
        !matches!(
            s.suite(),
            TLS13_CHACHA20_POLY1305_SHA256
                | TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                | TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        )
    });
    Arc::new(provider)
}

fn raw_get(agent: &ureq::Agent, url: &str) -> usize {
    let resp = agent.get(url).header("X-Auth-Token", TOKEN).call().unwrap();
    let mut body = Vec::with_capacity(128);
    resp.into_body()
        .into_reader()
        .take(1 << 20)
        .read_to_end(&mut body)
        .unwrap();
    body.len()
}

fn bench(c: &mut Criterion) {
    let pki = Pki::new();
    let handler = |_: &support::Request| Reply::json(200, SEED_200).header("X-Request-Id", "bench");
    let servers = [
        ("http", Server::http(handler), None),
        (
            "https",
            Server::https(pki.server(), handler),
            Some(pki.ca_pem.as_str()),
        ),
    ];
    for (name, server, ca) in &servers {
        let mut builder = Config::builder(server.url(), Credentials::token(TOKEN));
        if let Some(pem) = ca {
            builder = builder.ca_pem(pem.as_bytes());
        }
        let config = builder.build().unwrap();
        let agent = raw_agent(*ca);
        let url = format!("{}/v3/sources/{ID}/command", server.url());

        let mut g = c.benchmark_group(format!("keepalive_{name}"));
        g.bench_function("hwsms_fetch_command", |b| {
            b.iter(|| {
                let r = fetch_command(&config, black_box(ID)).unwrap();
                black_box(r.command().unwrap().task_id().map(str::len));
            })
        });
        g.bench_function("raw_ureq_get", |b| {
            b.iter(|| black_box(raw_get(&agent, black_box(&url))))
        });
        g.bench_function("hwsms_report_command_result", |b| {
            b.iter(|| {
                let r = report_command_result(
                    &config,
                    black_box(ID),
                    "START",
                    CommandOutcome::Success,
                    r#"{"progress":100}"#,
                )
                .unwrap();
                black_box(r.status());
            })
        });
        g.finish();
    }

    // Reconnecting: the server closes after every answer.
    let closing = |_: &support::Request| Reply::json(200, SEED_200).closing();
    let mut no_resumption = (*pki.server()).clone();
    no_resumption.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    no_resumption.send_tls13_tickets = 0;
    let servers = [
        (
            "full_handshake",
            Server::https(Arc::new(no_resumption), closing),
        ),
        ("resumed", Server::https(pki.server(), closing)),
    ];
    let mut g = c.benchmark_group("reconnect_https");
    for (name, server) in &servers {
        let config = Config::builder(server.url(), Credentials::token(TOKEN))
            .ca_pem(pki.ca_pem.as_bytes())
            .build()
            .unwrap();
        g.bench_function(*name, |b| {
            b.iter(|| black_box(fetch_command(&config, black_box(ID)).unwrap().status()))
        });
        let kinds = server.handshakes();
        let resumed = kinds.iter().filter(|h| h.resumed).count();
        println!(
            "reconnect_https/{name}: {resumed} of {} handshakes resumed",
            kinds.len()
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
