//! Sending one request: build it, sign it, send it, read the answer with a
//! size cap. No policy lives here: what the answer means is
//! [`classify`](super::classify)'s job, and what to do next the pipeline's.

use std::io::Read;
use std::time::Instant;

use ureq::http;

use super::explain::{self, Route};
use crate::auth::authorize::authorize;
use crate::auth::clock::host_now;
use crate::auth::keeper::Held;
use crate::auth::signer::SigningRequest;
use crate::config::Config;
use crate::error::{Error, TransportError, TransportKind};
use crate::limits::{FIRST_RESERVATION, MAX_KEPT_HEADER_LEN};
use crate::transport::watch::is_dead_connection;
use crate::wire::date::parse_http_date;
use crate::wire::sms_request::HttpMethod;

/// One SMS API call: what the pipeline sends, as often as it has to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub(crate) method: HttpMethod,
    /// The request path, e.g. `/v3/sources/{id}/command`.
    pub(crate) path: &'a str,
    /// Query parameters, unencoded; sent and signed in canonical order.
    pub(crate) query: &'a [(&'a str, &'a str)],
    /// A JSON body (sent with `Content-Type: application/json`), for POST.
    pub(crate) body: Option<&'a [u8]>,
    /// The IAM action the call needs, named in the advice on a 403.
    pub(crate) action: Option<&'static str>,
    /// Sending the call twice has the effect of sending it once (a GET, or
    /// a report that overwrites). Only such a call is resent after it may
    /// have reached the server; any other only when it cannot have.
    pub(crate) idempotent: bool,
    /// The answer holds secrets (private keys, a passphrase): its body is
    /// read into memory that is wiped, not left behind, when it grows.
    pub(crate) secret_answer: bool,
}

impl<'a> Call<'a> {
    /// A call with no query, no body and an answer that holds no secret.
    pub(crate) fn new(method: HttpMethod, path: &'a str, idempotent: bool) -> Self {
        Call {
            method,
            path,
            query: &[],
            body: None,
            action: None,
            idempotent,
            secret_answer: false,
        }
    }
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

/// Sends `call` once with the credentials `held`, as it stands now (signed
/// with the gateway clock as currently known), finishing by `deadline`.
/// `first` says this is the call's first request, whose deadline is the
/// agent's own timeout.
pub(crate) fn send(
    config: &Config,
    call: &Call<'_>,
    held: &Held,
    deadline: Instant,
    first: bool,
) -> Result<Exchange, SendFailure> {
    let route = Route {
        endpoint: config.endpoint_name(),
        proxy: config.proxy_url().map(|p| p as _),
    };
    let fail = |e: Error| SendFailure::Failed(e);
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(fail(out_of_time(&route, config)));
    }
    let request = request(config, call, held).map_err(fail)?;
    let result = match call.method {
        HttpMethod::Get | HttpMethod::Delete if call.body.is_none() => request
            .body(())
            .map(|r| dispatch(config, r, remaining, first)),
        _ => request
            .body(call.body.unwrap_or_default())
            .map(|r| dispatch(config, r, remaining, first)),
    };
    match result {
        Ok(Ok(response)) => exchange(config, call, response, &route).map_err(fail),
        Ok(Err(e)) if is_dead_connection(&e) => Err(SendFailure::DeadConnection(Error::Transport(
            Box::new(explain::from_ureq(e, &route)),
        ))),
        Ok(Err(e)) => Err(fail(Error::Transport(Box::new(explain::from_ureq(
            e, &route,
        ))))),
        // Every part was validated when the Config was built.
        Err(e) => Err(fail(Error::config_with("cannot build the request", e))),
    }
}

/// The request for `call` with every header, authentication included.
fn request(config: &Config, call: &Call<'_>, held: &Held) -> Result<http::request::Builder, Error> {
    let endpoint = config.endpoint_ref();
    let uri = config
        .uri(call.path, call.query)
        .map_err(|e| Error::config_with("cannot build the request", e))?;
    let mut request = http::Request::builder()
        .method(call.method.as_str())
        .uri(uri)
        // ureq would derive the same Host; set it so the signed value is the sent one.
        .header(http::header::HOST, config.host_header().clone());
    // Signed in lower case, as the canonical request writes every name.
    let content_type = [("content-type", "application/json")];
    let signed_extra: &[(&str, &str)] = if call.body.is_some() {
        request = request.header(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        &content_type
    } else {
        &[]
    };
    let what = SigningRequest::new(call.method.as_str(), &endpoint.authority, call.path)
        .query(call.query)
        .headers(signed_extra)
        .body(call.body.unwrap_or_default());
    let now = || config.clock().now();
    authorize(
        &held.credentials,
        &held.prepared,
        &what,
        now,
        |name, value| {
            request = std::mem::take(&mut request).header(name, value);
        },
    )
    // Every value was checked when the Config was built.
    .map_err(|e| Error::config_with("cannot build the request", e))?;
    Ok(request)
}

/// Reads what classification needs off the answer: the status, the few
/// headers that matter (bounded), and the body (capped).
fn exchange(
    config: &Config,
    call: &Call<'_>,
    response: http::Response<ureq::Body>,
    route: &Route<'_>,
) -> Result<Exchange, Error> {
    use http::header::{CONTENT_LENGTH, DATE, LOCATION, RETRY_AFTER, TRANSFER_ENCODING};
    const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");
    let received_at = host_now();
    let status = response.status().as_u16();
    let headers = response.headers();
    let header = |name: http::HeaderName| {
        headers.get(name).map(|v| {
            let bytes = v.as_bytes();
            String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_KEPT_HEADER_LEN)]).into_owned()
        })
    };
    let date = header(DATE).as_deref().and_then(parse_http_date);
    let request_id = header(X_REQUEST_ID);
    let retry_after = header(RETRY_AFTER);
    let location = header(LOCATION);
    let close_delimited =
        !headers.contains_key(CONTENT_LENGTH) && !headers.contains_key(TRANSFER_ENCODING);
    let body = if (300..400).contains(&status) {
        Vec::new() // a redirect is reported, its body never read
    } else if call.secret_answer {
        read_secret(response.into_body(), config.body_cap(), status, route)?
    } else {
        read_capped(response.into_body(), config.body_cap(), status, route)?
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
pub(super) fn read_capped(
    body: ureq::Body,
    cap: usize,
    status: u16,
    route: &Route<'_>,
) -> Result<Vec<u8>, Error> {
    // Saturating: a cap of usize::MAX means no cap, never a wrapped zero.
    let cap_bytes = u64::try_from(cap).unwrap_or(u64::MAX);
    let declared = body.content_length();
    if declared.is_some_and(|n| n > cap_bytes) {
        return Err(Error::BodyTooLarge { cap, status });
    }
    // What the server declares is reserved up to a bound only: a header
    // claiming 200 GB under a large cap must not reserve (and abort on) it
    // before a byte arrives. The buffer grows as bytes really come.
    let declared = declared.and_then(|n| usize::try_from(n).ok());
    let initial = declared.unwrap_or(1024).min(cap).min(FIRST_RESERVATION);
    let mut buf = Vec::with_capacity(initial);
    body.into_reader()
        .take(cap_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| Error::Transport(Box::new(explain::from_body_io(e, route))))?;
    if buf.len() > cap {
        return Err(Error::BodyTooLarge { cap, status });
    }
    Ok(buf)
}

/// [`read_capped`] for an answer that holds secrets: the buffer grows by
/// copying into a new one and wiping the old, so no copy of a key is left
/// in freed memory (a `Vec` growing by itself would leave them).
fn read_secret(
    body: ureq::Body,
    cap: usize,
    status: u16,
    route: &Route<'_>,
) -> Result<Vec<u8>, Error> {
    use zeroize::Zeroize;
    let mut reader = body.into_reader();
    let mut buf = vec![0u8; FIRST_RESERVATION.min(cap.saturating_add(1))];
    let mut len = 0;
    loop {
        if len == buf.len() {
            if len > cap {
                buf.zeroize();
                return Err(Error::BodyTooLarge { cap, status });
            }
            let mut bigger = vec![0u8; len.saturating_mul(2).min(cap.saturating_add(1))];
            bigger[..len].copy_from_slice(&buf[..len]);
            buf.zeroize();
            buf = bigger;
        }
        match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => {
                buf.zeroize();
                return Err(Error::Transport(Box::new(explain::from_body_io(e, route))));
            }
        }
    }
    if len > cap {
        buf.zeroize();
        return Err(Error::BodyTooLarge { cap, status });
    }
    // Shrinks in place: truncate never moves the bytes.
    buf[len..].zeroize();
    buf.truncate(len);
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
