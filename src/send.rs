//! Sending one request: build it, sign it, send it, read the answer with a
//! size cap. No policy lives here: what the answer means is
//! [`classify`](crate::classify)'s job, and what to do next the pipeline's.

use std::io::Read;
use std::time::Instant;

use ureq::http;

use crate::clock::{host_now, parse_http_date};
use crate::config::Config;
use crate::connection::is_dead_connection;
use crate::credentials::Kind;
use crate::error::{Error, Route, TransportError, TransportKind};
use crate::limits::MAX_KEPT_HEADER_LEN;
use crate::signer::{SigningRequest, sign};

/// The HTTP method of an SMS call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One SMS API call: what the pipeline sends, as often as it has to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// The request path, e.g. `/v3/sources/{id}/command`.
    pub(crate) path: &'a str,
    /// A JSON body (sent with `Content-Type: application/json`), for POST.
    pub(crate) body: Option<&'a [u8]>,
}

/// An answer as it came off the wire, before anyone judged it.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) status: u16,
    /// The `Date` header, as Unix seconds.
    pub(crate) date: Option<i64>,
    /// This host's clock when the answer head arrived.
    pub(crate) received_at: i64,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<String>,
    pub(crate) location: Option<String>,
    /// The body had neither `Content-Length` nor chunked framing: it ended
    /// when the server closed the connection, so a cut cannot be told from
    /// its end by HTTP alone.
    pub(crate) close_delimited: bool,
    pub(crate) body: Vec<u8>,
}

/// Why a send produced no [`Exchange`].
#[derive(Debug)]
pub(crate) enum SendFailure {
    /// The request went out on a reused connection that stayed silent; a
    /// fresh connection may well answer at once.
    DeadConnection(Error),
    /// Anything else.
    Failed(Error),
}

/// Sends `call` once, as it stands now (signed with the gateway clock as
/// currently known), finishing by `deadline`. `first` says this is the
/// call's first request, whose deadline is the agent's own timeout.
pub(crate) fn send(
    config: &Config,
    call: &Call<'_>,
    deadline: Instant,
    first: bool,
) -> Result<Exchange, SendFailure> {
    let endpoint = config.endpoint_ref();
    let endpoint_name = format!("{}:{}", endpoint.host, endpoint.port);
    let route = Route {
        endpoint: &endpoint_name,
        proxy: config.proxy_url().map(|p| p as _),
    };
    let fail = |e: Error| SendFailure::Failed(e);
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(fail(out_of_time(&route, config)));
    }

    let body = call.body.unwrap_or_default();
    let mut request = http::Request::builder()
        .method(call.method.as_str())
        .uri(format!("{}{}", config.endpoint(), call.path))
        // ureq would derive the same Host; set it so the signed value is the sent one.
        .header("Host", &endpoint.authority);
    let content_type = [("Content-Type", "application/json")];
    let signed_extra: &[(&str, &str)] = if call.body.is_some() {
        &content_type
    } else {
        &[]
    };
    for (name, value) in signed_extra {
        request = request.header(*name, *value);
    }
    match &config.credentials().0 {
        Kind::Token(token) => request = request.header("X-Auth-Token", token.expose()),
        Kind::AkSk(key) => {
            let what = SigningRequest::new(call.method.as_str(), &endpoint.authority, call.path)
                .headers(signed_extra)
                .body(body);
            for (name, value) in sign(&what, key, config.clock().now()).headers() {
                request = request.header(name, value);
            }
        }
    }
    let result = match call.method {
        Method::Get => request
            .body(())
            .map(|r| dispatch(config, r, remaining, first)),
        Method::Post => request
            .body(body)
            .map(|r| dispatch(config, r, remaining, first)),
    };
    let response = match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) if is_dead_connection(&e) => {
            return Err(SendFailure::DeadConnection(Error::Transport(Box::new(
                TransportError::from_ureq(e, &route),
            ))));
        }
        Ok(Err(e)) => {
            return Err(fail(Error::Transport(Box::new(TransportError::from_ureq(
                e, &route,
            )))));
        }
        // Every part was validated when the Config was built.
        Err(e) => return Err(fail(Error::config_with("cannot build the request", e))),
    };

    let received_at = host_now();
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
    let close_delimited = !response.headers().contains_key("content-length")
        && !response.headers().contains_key("transfer-encoding");
    let body = if (300..400).contains(&status) {
        Vec::new() // a redirect is reported, its body never read
    } else {
        read_capped(response.into_body(), config.body_cap(), status, &route).map_err(fail)?
    };
    Ok(Exchange {
        status,
        date,
        received_at,
        request_id,
        retry_after,
        location,
        close_delimited,
        body,
    })
}

/// Runs the request with `remaining` as its deadline. For a call's first
/// request that is the agent's own timeout (the call started a moment ago),
/// so a request-level config (which costs a config copy) is skipped.
fn dispatch<S: ureq::AsSendBody>(
    config: &Config,
    request: http::Request<S>,
    remaining: std::time::Duration,
    first: bool,
) -> Result<http::Response<ureq::Body>, ureq::Error> {
    let agent = config.agent();
    if first {
        return agent.run(request);
    }
    let request = agent
        .configure_request(request)
        .timeout_global(Some(remaining))
        .build();
    agent.run(request)
}

/// Reads at most `cap` bytes; a longer body is an error, and the rest is never read.
fn read_capped(
    body: ureq::Body,
    cap: usize,
    status: u16,
    route: &Route<'_>,
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
        .map_err(|e| Error::Transport(Box::new(TransportError::from_body_io(e, route))))?;
    if buf.len() > cap {
        return Err(Error::BodyTooLarge { cap, status });
    }
    Ok(buf)
}

fn out_of_time(route: &Route<'_>, config: &Config) -> Error {
    Error::Transport(Box::new(TransportError::new(
        TransportKind::Timeout,
        format!(
            "no complete answer from {route} within {:?}; check connectivity or raise the timeout",
            config.timeout()
        ),
        true,
    )))
}
