//! `fetch_command`: one blocking ShowCommand call, retries included.

use std::io::Read;
use std::thread;
use std::time::{Duration, Instant};

use crate::api_error::ApiError;
use crate::clock::{host_now, parse_http_date, parse_server_time};
use crate::command::{Command, decode_command};
use crate::config::Config;
use crate::credentials::Kind;
use crate::error::{Error, Redirect, TransportError, TransportKind};
use crate::limits::MAX_KEPT_HEADER_LEN;
use crate::redact::scrub;
use crate::retry::{backoff, parse_retry_after};
use crate::server_id::ServerId;
use crate::signer::{SigningRequest, sign};

/// A successful (2xx) ShowCommand response. Owns the body bytes; the
/// [`Command`] it decodes borrows from them.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    request_id: Option<String>,
    body: Vec<u8>,
    attempts: u32,
}

impl Response {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The `X-Request-Id` response header, whatever its letter case.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// How many requests the call sent (1 unless it retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Decodes the body without copying its strings. A 204 (no body) means
    /// "nothing to do".
    ///
    /// [`fetch_command`] has already checked that this succeeds.
    pub fn command(&self) -> Result<Command<'_>, Error> {
        if self.status == 204 {
            return Ok(Command::default());
        }
        decode_command(&self.body)
    }
}

/// Asks SMS for the next command for `server_id`:
/// `GET {endpoint}/v3/sources/{server_id}/command`.
///
/// Blocks until the answer arrives or [`Config::timeout`] passes. Retries
/// retryable failures (see [`Error::is_retryable`]) up to
/// [`Config::max_attempts`] with jittered exponential backoff, honouring
/// `Retry-After`. With AK/SK credentials, a request the gateway rejects as
/// "signature expired" is re-signed with the gateway's clock and sent once more.
///
/// # Errors
///
/// [`Error::InvalidServerId`] before any I/O; [`Error::Api`] for a non-2xx
/// answer; [`Error::Redirect`] for a 3xx; [`Error::Transport`],
/// [`Error::BodyTooLarge`] and [`Error::Decode`] for the rest.
///
/// ```no_run
/// use hwsms::{Config, Credentials, fetch_command};
///
/// let config = Config::builder("https://sms.ap-southeast-3.myhuaweicloud.com",
///                              Credentials::token("MIIT...")).build()?;
/// let response = fetch_command(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")?;
/// let command = response.command()?;
/// if let Some(name) = command.name() {
///     println!("{name} task={:?}", command.task_id());
/// }
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn fetch_command(config: &Config, server_id: &str) -> Result<Response, Error> {
    let id = ServerId::parse(server_id)?;
    let path = id.command_path();
    let url = format!("{}{}", config.endpoint_ref().base_url(), path);
    let deadline = Instant::now() + config.timeout();
    let mut attempts = 0;
    let mut retries = 0;
    let mut resigned = false;
    loop {
        attempts += 1;
        let offset_used = config.clock().offset_secs();
        let err = match attempt(config, &url, &path, deadline) {
            Ok(mut resp) => {
                resp.attempts = attempts;
                return Ok(resp);
            }
            Err(e) => e,
        };
        if let Error::Api(api) = &err {
            // Re-sign once when the gateway rejected our date and told us its own.
            let learned = config.clock().offset_secs() != offset_used;
            if api.is_signature_expired() && !resigned && learned && is_signing(config) {
                resigned = true;
                continue;
            }
        }
        if !err.is_retryable() || retries + 1 >= config.max_attempts() {
            return Err(with_attempts(err, attempts));
        }
        retries += 1;
        let wait = match &err {
            Error::Api(api) => api.retry_after().unwrap_or_else(|| backoff(retries)),
            _ => backoff(retries),
        };
        if Instant::now() + wait >= deadline {
            return Err(with_attempts(err, attempts));
        }
        thread::sleep(wait);
    }
}

fn is_signing(config: &Config) -> bool {
    matches!(config.credentials().0, Kind::AkSk(_))
}

fn with_attempts(mut err: Error, attempts: u32) -> Error {
    match &mut err {
        Error::Api(e) => e.attempts = attempts,
        Error::Transport(e) => e.attempts = attempts,
        _ => {}
    }
    err
}

/// One request and its response, classified.
fn attempt(config: &Config, url: &str, path: &str, deadline: Instant) -> Result<Response, Error> {
    let endpoint = config.endpoint_ref();
    let target = match config.proxy_url() {
        Some(p) => format!("{}:{} (via proxy {p})", endpoint.host, endpoint.port),
        None => format!("{}:{}", endpoint.host, endpoint.port),
    };
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(timeout(&target, config.timeout()));
    }

    // ureq would derive the same Host; set it so the signed value is the sent one.
    let mut request = config.agent().get(url).header("Host", &endpoint.authority);
    match &config.credentials().0 {
        Kind::Token(token) => request = request.header("X-Auth-Token", token.expose()),
        Kind::AkSk(key) => {
            let signed = sign(
                &SigningRequest::new("GET", &endpoint.authority, path),
                key,
                config.clock().now(),
            );
            for (name, value) in signed.headers() {
                request = request.header(name, value);
            }
        }
    }
    let response = request
        .config()
        .timeout_global(Some(remaining))
        .build()
        .call()
        .map_err(|e| transport(TransportError::from_ureq(e, &target), config))?;

    let host_at_receipt = host_now();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response.headers().get(name).map(|v| {
            let bytes = v.as_bytes();
            String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_KEPT_HEADER_LEN)]).into_owned()
        })
    };
    let date = header("date").as_deref().and_then(parse_http_date);
    let request_id = header("x-request-id");
    let retry_after = header("retry-after");
    let location = header("location");

    // A 401/403 may be a "signature expired" rejection, which teaches the
    // clock below from its body; its Date alone is not trusted over that.
    if status != 401 && status != 403 {
        if let Some(d) = date {
            config.clock().learn_from_date(d, host_at_receipt);
        }
    }

    if (300..400).contains(&status) {
        let mut redirect = Redirect {
            status,
            location,
            request_id,
        };
        let secrets = config.credentials().secrets();
        for s in redirect
            .location
            .iter_mut()
            .chain(redirect.request_id.iter_mut())
        {
            scrub(s, &secrets);
        }
        return Err(Error::Redirect(Box::new(redirect)));
    }

    let body = read_capped(
        response.into_body(),
        config.body_cap(),
        status,
        &target,
        config,
    )?;

    if (200..300).contains(&status) {
        let resp = Response {
            status,
            request_id,
            body,
            attempts: 1,
        };
        if let Err(Error::Decode(mut e)) = resp.command() {
            let secrets = config.credentials().secrets();
            e.map_message(&|m| scrub(m, &secrets));
            return Err(Error::Decode(e));
        }
        return Ok(resp);
    }

    let mut api = ApiError::parse(status, &body);
    api.set_request_id(request_id);
    api.retry_after = retry_after.and_then(|v| parse_retry_after(&v, config.clock().now()));
    if api.is_signature_expired() {
        let server_time = api.error_msg().and_then(parse_server_time);
        config
            .clock()
            .learn_from_rejection(server_time, date, host_at_receipt);
        api.clock_skew = Some(config.clock().offset_secs());
    }
    let secrets = config.credentials().secrets();
    api.map_server_text(&|s| scrub(s, &secrets));
    Err(Error::Api(Box::new(api)))
}

/// Reads at most `cap` bytes; a longer body is an error, and the rest is never read.
fn read_capped(
    body: ureq::Body,
    cap: usize,
    status: u16,
    target: &str,
    config: &Config,
) -> Result<Vec<u8>, Error> {
    let declared = body.content_length();
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(Error::BodyTooLarge { cap, status });
    }
    let initial = declared.map_or(1024, |n| n as usize).min(cap);
    let mut buf = Vec::with_capacity(initial);
    body.into_reader()
        .take(cap as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| transport(TransportError::from_body_io(e, target), config))?;
    if buf.len() > cap {
        return Err(Error::BodyTooLarge { cap, status });
    }
    Ok(buf)
}

fn transport(mut e: TransportError, config: &Config) -> Error {
    let secrets = config.credentials().secrets();
    scrub(&mut e.detail, &secrets);
    if let Some(p) = config.proxy_url() {
        if let Some(pw) = &p.password {
            scrub(&mut e.detail, &[pw]);
        }
        // With a proxy, failing to connect means failing to reach the proxy.
        if matches!(e.kind, TransportKind::Connect | TransportKind::Dns) {
            e.kind = TransportKind::Proxy;
            e.detail = format!("cannot reach proxy {p}: {}", e.detail);
        } else if e.kind == TransportKind::Proxy {
            e.detail = format!("proxy {p}: {}", e.detail);
        }
    }
    Error::Transport(Box::new(e))
}

fn timeout(target: &str, limit: Duration) -> Error {
    Error::Transport(Box::new(TransportError {
        kind: TransportKind::Timeout,
        detail: format!("no complete answer from {target} within {limit:?}"),
        retryable: true,
        attempts: 1,
        source: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn bad_server_id_fails_before_io() {
        // Port 9 on loopback: nothing listens, but the id is rejected first.
        let config = Config::builder("http://127.0.0.1:9", Credentials::token("t"))
            .build()
            .unwrap();
        let err = fetch_command(&config, "../etc").unwrap_err();
        assert!(matches!(err, Error::InvalidServerId(_)), "{err}");
    }
}
