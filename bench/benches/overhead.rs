//! What hwsms adds to a call, and what signing costs on its own.
//!
//! - `per_call`: a ShowCommand GET over a kept-alive loopback connection to
//!   a minimal server in this process (it answers every request head with
//!   the same bytes, so the server costs as little as it can): a bare ureq
//!   GET, `fetch_command` with a token, and `fetch_command` with AK/SK. The
//!   differences are hwsms's own overhead.
//!
//!   Most of a loopback call is the kernel's, and on a shared machine its
//!   cost drifts by several percent from one second to the next, more than
//!   the differences measured. So the three run interleaved, in batches of
//!   [`BATCH`] calls over [`ROUNDS`] rounds (the order rotating each
//!   round), and each ratio is the median of the ratios within a round.
//! - `signing` (criterion): `signer::sign` for that GET and for a result
//!   report's POST.
//!
//! Pin the process to one core so that client and server share it, as the
//! figures in the README were taken:
//!
//!     taskset -c 0 cargo bench --bench overhead

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Instant;

use criterion::{Criterion, criterion_group};
use hwsms::auth::signer::{SigningRequest, sign};
use hwsms::{AkSk, Config, Credentials, fetch_command};

const ID: &str = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f";
const BODY: &str =
    r#"{"command_name":"START","command_param":{"task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001"}}"#;

/// A keep-alive HTTP/1.1 server that answers each request head with the
/// seed 200. Requests in this bench carry no body.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: bench\r\nContent-Length: {}\r\n\r\n{BODY}",
        BODY.len()
    );
    thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let answer = answer.clone();
            thread::spawn(move || answer_each(conn, answer.as_bytes()));
        }
    });
    format!("http://{addr}")
}

fn answer_each(mut conn: TcpStream, answer: &[u8]) {
    let _ = conn.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    // `scanned`: bytes already searched for the end of a head, so a long
    // request head costs the server no more than a short one.
    let (mut filled, mut scanned) = (0, 0);
    loop {
        match conn.read(&mut buf[filled..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        loop {
            let from = scanned.max(3);
            let Some(at) = buf[from.min(filled)..filled]
                .iter()
                .position(|&b| b == b'\n')
            else {
                break;
            };
            let end = from + at;
            scanned = end + 1;
            if &buf[end - 3..=end] != b"\r\n\r\n" {
                continue;
            }
            if conn.write_all(answer).is_err() {
                return;
            }
            buf.copy_within(end + 1..filled, 0);
            filled -= end + 1;
            scanned = 0;
        }
        scanned = filled;
    }
}

/// Bare ureq: its defaults, which set no timeout. That is the cheapest call
/// ureq makes: with any timeout set, ureq resolves every host (an IP literal
/// too) on a thread of its own, which costs more than all of hwsms's work
/// (hwsms answers IP literals without a lookup and keeps its timeouts).
fn bare_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build()
        .into()
}

fn bare_get(agent: &ureq::Agent, url: &str) -> usize {
    let resp = agent
        .get(url)
        .header("X-Auth-Token", "bench-token")
        .call()
        .unwrap();
    let mut body = Vec::with_capacity(128);
    resp.into_body()
        .into_reader()
        .take(1 << 20)
        .read_to_end(&mut body)
        .unwrap();
    body.len()
}

/// Calls per batch, and rounds of one batch per variant.
const BATCH: u32 = 200;
const ROUNDS: usize = 150;

fn per_call() {
    let url = serve();
    let token = Config::builder(url.clone(), Credentials::token("bench-token"))
        .build()
        .unwrap();
    let key = AkSk::new("BENCHAKBENCHAKBENCHAK", "bench-secret-key-bench-secret-key")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    let signed = Config::builder(url.clone(), Credentials::ak_sk(key))
        .build()
        .unwrap();
    let agent = bare_agent();
    let command_url = format!("{url}/v3/sources/{ID}/command");
    let fetch = |config: &Config| {
        let r = fetch_command(config, black_box(ID)).unwrap();
        black_box(r.command().unwrap().task_id().map(str::len));
    };
    let variants: [(&str, &dyn Fn()); 3] = [
        ("bare_ureq_get", &|| {
            black_box(bare_get(&agent, black_box(&command_url)));
        }),
        ("hwsms_token", &|| fetch(&token)),
        ("hwsms_ak_sk", &|| fetch(&signed)),
    ];
    // Warm up every connection and code path.
    for (_, call) in &variants {
        for _ in 0..2_000 {
            call();
        }
    }
    let mut per_call: [Vec<f64>; 3] = std::array::from_fn(|_| Vec::with_capacity(ROUNDS));
    for round in 0..ROUNDS {
        for i in 0..3 {
            let v = (round + i) % 3;
            let started = Instant::now();
            for _ in 0..BATCH {
                (variants[v].1)();
            }
            per_call[v].push(started.elapsed().as_secs_f64() * 1e6 / f64::from(BATCH));
        }
    }
    let median = |mut xs: Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    let ratio = |v: usize| {
        median(
            (0..ROUNDS)
                .map(|r| per_call[v][r] / per_call[0][r])
                .collect(),
        )
    };
    println!("per_call: {ROUNDS} rounds of {BATCH} calls each, interleaved; medians");
    for (v, (name, _)) in variants.iter().enumerate() {
        println!(
            "per_call/{name:<14} {:>7.2} µs   {:.3}x bare",
            median(per_call[v].clone()),
            ratio(v)
        );
    }
}

fn signing(c: &mut Criterion) {
    let key = AkSk::new("BENCHAKBENCHAKBENCHAK", "bench-secret-key-bench-secret-key")
        .project_id("0a1b2c3d4e5f60718293a4b5c6d7e8f9");
    let path = format!("/v3/sources/{ID}/command");
    let report_path = format!("/v3/sources/{ID}/command_result");
    let body = br#"{"command_name":"START","result":"success","result_detail":{"progress":100}}"#;
    let content_type = [("Content-Type", "application/json")];
    let now = 1_764_322_215;

    let mut g = c.benchmark_group("signing");
    g.bench_function("show_command_get", |b| {
        b.iter(|| {
            let req = SigningRequest::new("GET", "sms.ap-southeast-3.myhuaweicloud.com", &path);
            black_box(sign(black_box(&req), &key, now).authorization().len())
        })
    });
    g.bench_function("command_result_post", |b| {
        b.iter(|| {
            let req =
                SigningRequest::new("POST", "sms.ap-southeast-3.myhuaweicloud.com", &report_path)
                    .headers(&content_type)
                    .body(black_box(body));
            black_box(sign(&req, &key, now).authorization().len())
        })
    });
    g.finish();
}

criterion_group!(benches, signing);

fn main() {
    // `cargo bench --bench overhead -- signing` skips the interleaved part.
    if !std::env::args().skip(1).any(|a| a == "signing") {
        per_call();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
