//! Decoding speed: `decode_command` (zero-copy) against plain serde_json into
//! owned `String` fields and into `serde_json::Value`, on the same bodies in
//! the same run.
//!
//!     cargo bench --bench decode

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;

/// What a user would write without this crate: owned strings.
#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedCommand {
    command_name: Option<String>,
    command_param: Option<OwnedParam>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedParam {
    task_id: Option<String>,
    bucket: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedError {
    error_code: Option<String>,
    error_msg: Option<String>,
    encoded_authorization_message: Option<String>,
    error_param: Option<Vec<String>>,
    details: Option<Vec<OwnedDetail>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct OwnedDetail {
    error_code: Option<String>,
    error_msg: Option<String>,
}

const SEED_200: &[u8] = include_bytes!("../../tests/data/seed_200.json");

const SEED_403: &[u8] = include_bytes!("../../tests/data/seed_403.json");

const ESCAPED: &[u8] = br#"{"command_name":"SYNC","command_param":{"task_id":"t\u0041sk\"01\"\\x","bucket":"bucket\/logs\u00e9\n"}}"#;

fn many_unknown_fields() -> Vec<u8> {
    let mut s = String::from("{");
    for i in 0..40 {
        s.push_str(&format!(
            r#""extra_{i}":{{"id":{i},"name":"field number {i}","tags":["a","b","c"],"ok":true,"ratio":0.{i}}},"#
        ));
    }
    s.push_str(r#""command_name":"START","command_param":{"task_id":"xxxxxxxxxxxxxxxxxxxxxxxx00000001","bucket":"b","more":[1,2,3]}}"#);
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let unknown = many_unknown_fields();
    let bodies: [(&str, &[u8]); 3] = [
        ("seed_200", SEED_200),
        ("escaped", ESCAPED),
        ("many_unknown_fields", &unknown),
    ];
    for (name, body) in bodies {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function("hwsms_decode_command", |b| {
            b.iter(|| {
                let c = hwsms::decode_command(black_box(body)).unwrap();
                black_box(c.task_id().map(str::len));
            })
        });
        g.bench_function("serde_json_owned_strings", |b| {
            b.iter(|| {
                let c: OwnedCommand = serde_json::from_slice(black_box(body)).unwrap();
                black_box(c.command_param.and_then(|p| p.task_id).map(|t| t.len()));
            })
        });
        g.bench_function("serde_json_value", |b| {
            b.iter(|| {
                let v: serde_json::Value = serde_json::from_slice(black_box(body)).unwrap();
                black_box(v["command_param"]["task_id"].as_str().map(str::len));
            })
        });
        g.finish();
    }

    let mut g = c.benchmark_group("seed_403");
    g.throughput(Throughput::Bytes(SEED_403.len() as u64));
    g.bench_function("hwsms_api_error_parse", |b| {
        b.iter(|| {
            black_box(
                hwsms::ApiError::parse(403, black_box(SEED_403))
                    .details()
                    .len(),
            )
        })
    });
    g.bench_function("serde_json_owned_strings", |b| {
        b.iter(|| {
            let e: OwnedError = serde_json::from_slice(black_box(SEED_403)).unwrap();
            black_box(e.details.map(|d| d.len()));
        })
    });
    g.bench_function("serde_json_value", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(black_box(SEED_403)).unwrap();
            black_box(v["details"].as_array().map(Vec::len));
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
