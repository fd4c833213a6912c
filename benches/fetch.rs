//! A whole call over a kept-alive connection: `fetch_command` (validate id,
//! build and send the request, read the body with a cap, classify, decode)
//! against a raw ureq GET of the same URL with the same agent settings, in
//! the same run. The difference is the library's own overhead.
//!
//!     cargo bench --bench fetch

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::io::Read;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use hwsms::{Config, Credentials, fetch_command};
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
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .user_agent(hwsms::DEFAULT_USER_AGENT)
        .accept("application/json")
        .build()
        .into()
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
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
