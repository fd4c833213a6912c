//! The command-line contract (README, "Command line"): ask SMS for the next
//! command and print it as one JSON line.
//!
//!     fetch_command (--endpoint URL | --region ID) --server-id ID
//!                   [--ca-file PEM | --system-roots] [--timeout-ms N]
//!                   [--proxy URL | --proxy-from-env] [--retries N]
//!
//! Exit codes: 0 success; 2 usage, configuration or invalid input; 3 API
//! error (non-2xx; last stderr line is JSON); 1 anything else.

use std::process::ExitCode;
use std::time::Duration;

use hwsms::{Config, Error, ProxyChoice, TlsRoots, credentials_from_env, fetch_command};
use serde_json::{Value, json};

const USAGE: &str = "usage: fetch_command (--endpoint URL | --region ID) --server-id ID \
[--ca-file PEM | --system-roots] [--timeout-ms N] [--proxy URL | --proxy-from-env] [--retries N]";

struct Args {
    endpoint: Option<String>,
    region: Option<String>,
    server_id: String,
    roots: TlsRoots,
    timeout: Option<Duration>,
    proxy: ProxyChoice,
    retries: Option<u32>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut endpoint, mut region, mut server_id) = (None, None, None);
    let (mut roots, mut timeout, mut proxy, mut retries) =
        (TlsRoots::WebPki, None, ProxyChoice::Direct, None);
    while let Some(flag) = it.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--endpoint" => endpoint = Some(value()?),
            "--region" => region = Some(value()?),
            "--server-id" => server_id = Some(value()?),
            "--ca-file" => roots = TlsRoots::PemFile(value()?.into()),
            "--system-roots" => roots = TlsRoots::System,
            "--timeout-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|_| "--timeout-ms needs a positive integer".to_string())?;
                if ms == 0 {
                    return Err("--timeout-ms must be greater than 0".into());
                }
                timeout = Some(Duration::from_millis(ms));
            }
            "--proxy" => proxy = ProxyChoice::Url(value()?),
            "--proxy-from-env" => proxy = ProxyChoice::FromEnv,
            "--retries" => {
                let n: u32 = value()?
                    .parse()
                    .map_err(|_| "--retries needs a non-negative integer".to_string())?;
                retries = Some(n);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if endpoint.is_some() && region.is_some() {
        return Err("give --endpoint or --region, not both".into());
    }
    if endpoint.is_none() && region.is_none() {
        return Err("--endpoint or --region is required".into());
    }
    Ok(Args {
        endpoint,
        region,
        server_id: server_id.ok_or("--server-id is required")?,
        roots,
        timeout,
        proxy,
        retries,
    })
}

fn build_config(args: &Args) -> Result<Config, Error> {
    let credentials = credentials_from_env()?;
    let mut builder = match (&args.endpoint, &args.region) {
        (Some(url), _) => Config::builder(url.clone(), credentials),
        (None, Some(region)) => Config::for_region(region.clone(), credentials),
        (None, None) => unreachable!("parse_args requires one"),
    };
    builder = builder
        .tls_roots(args.roots.clone())
        .proxy(args.proxy.clone());
    if let Some(t) = args.timeout {
        // One deadline for the whole call; connecting may use all of it.
        builder = builder
            .timeout(t)
            .connect_timeout(t.min(Duration::from_secs(10)));
    }
    if let Some(r) = args.retries {
        // --retries counts retries; the library counts attempts.
        builder = builder.max_attempts(r.saturating_add(1));
    }
    builder.build()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os("HUAWEICLOUD_SDK_AK").is_some()
        && std::env::var_os("HUAWEICLOUD_SDK_AUTH_TOKEN").is_some()
    {
        eprintln!(
            "note: both AK/SK and HUAWEICLOUD_SDK_AUTH_TOKEN are set; using AK/SK \
             (signatures are fresh per request, tokens expire)"
        );
    }
    let config = match build_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match fetch_command(&config, &args.server_id).and_then(|r| {
        let c = r.command()?;
        Ok(json!({
            "command_name": c.name().map(|n| n.as_str()),
            "task_id": c.task_id(),
            "bucket": c.bucket(),
        }))
    }) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => report(&e),
    }
}

/// Prints the error for a person, then (for HTTP answers) one JSON line for machines.
fn report(e: &Error) -> ExitCode {
    eprintln!("error: {e}");
    let api_line = |status: u16, code: Option<&str>, msg: Option<&str>, rid: Option<&str>| {
        let line: Value = json!({
            "status": status,
            "error_code": code,
            "error_msg": msg,
            "request_id": rid,
        });
        eprintln!("{line}");
        ExitCode::from(3)
    };
    match e {
        Error::Api(a) => api_line(a.status(), a.error_code(), a.error_msg(), a.request_id()),
        Error::Redirect(r) => {
            let msg = match r.location() {
                Some(l) => format!("redirect to {l} not followed"),
                None => "redirect not followed".to_string(),
            };
            api_line(r.status(), None, Some(&msg), r.request_id())
        }
        Error::InvalidServerId(_) | Error::Config(_) => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}
