//! Test and example support: a real HTTP/1.1 server (plain or TLS) on
//! loopback, certificates generated at start, and an SMS stand-in.
//!
//! Shared by the integration tests, the quickstart example and the benches
//! through `#[path]`, so each uses only part of it.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

pub mod agent_api;
pub mod authority;
pub mod tinyproxy;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The seed 200 body from the API page.
pub const SEED_200: &str = include_str!("../data/seed_200.json");

/// The seed 403 body from the API page.
pub const SEED_403: &str = include_str!("../data/seed_403.json");

/// A private CA and a server certificate for localhost, 127.0.0.1 and ::1.
pub struct Pki {
    pub ca_pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    pub fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "hwsms test CA");
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Pki {
            ca_pem: issuer.as_ref().pem(),
            issuer,
        }
    }

    /// A server TLS config for a leaf with these names, valid now.
    pub fn server(&self) -> Arc<rustls::ServerConfig> {
        self.server_for(&["localhost", "127.0.0.1", "::1"], false)
    }

    /// The default server, speaking only these TLS versions.
    pub fn server_versions(
        &self,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Arc<rustls::ServerConfig> {
        self.build_server(
            &["localhost", "127.0.0.1", "::1"],
            false,
            versions,
            rustls::crypto::ring::default_provider(),
        )
    }

    /// The default server, offering only AES-GCM suites (as servers that
    /// impose their own order often pick), so the client runs ring's
    /// AES-GCM code.
    pub fn server_aes_gcm_only(&self) -> Arc<rustls::ServerConfig> {
        let mut provider = rustls::crypto::ring::default_provider();
        provider.cipher_suites.retain(|s| {
            use rustls::CipherSuite::*;
            matches!(
                s.suite(),
                TLS13_AES_128_GCM_SHA256
                    | TLS13_AES_256_GCM_SHA384
                    | TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                    | TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            )
        });
        self.build_server(
            &["localhost", "127.0.0.1", "::1"],
            false,
            rustls::DEFAULT_VERSIONS,
            provider,
        )
    }

    /// A leaf for `names`; `expired` makes one that ended in 2020.
    pub fn server_for(&self, names: &[&str], expired: bool) -> Arc<rustls::ServerConfig> {
        self.build_server(
            names,
            expired,
            rustls::DEFAULT_VERSIONS,
            rustls::crypto::ring::default_provider(),
        )
    }

    fn build_server(
        &self,
        names: &[&str],
        expired: bool,
        versions: &[&'static rustls::SupportedProtocolVersion],
        provider: rustls::crypto::CryptoProvider,
    ) -> Arc<rustls::ServerConfig> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        if expired {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(provider))
                .with_protocol_versions(versions)
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap(),
        )
    }

    /// Writes the CA to a file in a fresh temp dir and returns its path.
    pub fn ca_file(&self) -> std::path::PathBuf {
        let dir = temp_dir("ca");
        let path = dir.join("ca.pem");
        std::fs::write(&path, &self.ca_pem).unwrap();
        path
    }
}

/// A fresh directory under the target's temp area.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("hwsms-{tag}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// 0 for the first request on its connection, 1 for the next, …
    pub nth_on_connection: usize,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response with `Content-Length`; the connection stays open.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Headers, then the body one byte per `interval`.
    Drip { body: Vec<u8>, interval: Duration },
    /// Never answer.
    Hang,
    /// Declare `declared` bytes, send `partial`, then reset the connection.
    ResetMidBody { declared: usize, partial: Vec<u8> },
    /// A chunked body of `len` bytes, without `Content-Length`.
    Stream { status: u16, len: u64 },
    /// Close the connection without answering.
    Close,
    /// These bytes exactly, then close the connection.
    Raw(Vec<u8>),
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Answers, then closes the connection (`Connection: close`).
    pub fn closing(self) -> Reply {
        self.header("Connection", "close")
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub tls: bool,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    handshakes: Arc<Mutex<Vec<Handshake>>>,
}

/// How a TLS connection was set up, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub resumed: bool,
    pub version: String,
    pub cipher: String,
}

impl Server {
    pub fn http(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(None, handler)
    }

    pub fn https(
        tls: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::start(Some(tls), handler)
    }

    pub fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::start_on(0, tls, handler)
    }

    /// An HTTPS server on a listener the caller bound.
    pub fn https_listening(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::serve_on(listener, Some(tls), handler)
    }

    fn start_on(
        port: u16,
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        Server::serve_on(listener, tls, handler)
    }

    fn serve_on(
        listener: TcpListener,
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let is_tls = tls.is_some();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let handshakes = Arc::new(Mutex::new(Vec::new()));
        {
            let (log, stop, accepted) = (log.clone(), stop.clone(), accepted.clone());
            let handshakes = handshakes.clone();
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(tcp) = conn else { continue };
                    accepted.fetch_add(1, Ordering::Relaxed);
                    let (tls, handler, log, stop) =
                        (tls.clone(), handler.clone(), log.clone(), stop.clone());
                    let handshakes = handshakes.clone();
                    thread::spawn(move || {
                        let _ = serve(tcp, tls, &*handler, &log, &stop, &handshakes);
                    });
                }
            });
        }
        Server {
            addr,
            tls: is_tls,
            log,
            stop,
            accepted,
            handshakes,
        }
    }

    /// Every TLS handshake completed so far.
    pub fn handshakes(&self) -> Vec<Handshake> {
        self.handshakes.lock().unwrap().clone()
    }

    /// `https://127.0.0.1:PORT` or `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

fn serve(
    tcp: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    handler: &Handler,
    log: &Mutex<Vec<Request>>,
    stop: &AtomicBool,
    handshakes: &Mutex<Vec<Handshake>>,
) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    let raw = tcp.try_clone()?;
    let mut tcp = tcp;
    let stream: Box<dyn Stream> = match tls {
        Some(cfg) => {
            let mut conn = rustls::ServerConnection::new(cfg).map_err(io::Error::other)?;
            while conn.is_handshaking() {
                conn.complete_io(&mut tcp)?;
            }
            handshakes.lock().unwrap().push(Handshake {
                resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
                version: format!("{:?}", conn.protocol_version().unwrap()),
                cipher: format!("{:?}", conn.negotiated_cipher_suite().unwrap().suite()),
            });
            Box::new(rustls::StreamOwned::new(conn, tcp))
        }
        None => Box::new(tcp),
    };
    let mut reader = BufReader::new(stream);
    for nth in 0.. {
        let Some(mut req) = read_request(&mut reader)? else {
            return Ok(());
        };
        req.nth_on_connection = nth;
        log.lock().unwrap().push(req.clone());
        let reply = handler(&req);
        let out = reader.get_mut();
        match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                out.write_all(head.as_bytes())?;
                out.write_all(&body)?;
                out.flush()?;
                let closing = headers
                    .iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case("connection") && v == "close");
                if closing {
                    return Ok(());
                }
            }
            Reply::Drip { body, interval } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                out.write_all(head.as_bytes())?;
                out.flush()?;
                for b in body {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    thread::sleep(interval);
                    out.write_all(&[b])?;
                    out.flush()?;
                }
                return Ok(());
            }
            Reply::Hang => {
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(50));
                }
                return Ok(());
            }
            Reply::ResetMidBody { declared, partial } => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n");
                out.write_all(head.as_bytes())?;
                out.write_all(&partial)?;
                out.flush()?;
                thread::sleep(Duration::from_millis(20));
                // Linger 0 would send RST; a plain shutdown gives EOF mid-body, which
                // the client must treat the same way.
                raw.shutdown(std::net::Shutdown::Both)?;
                return Ok(());
            }
            Reply::Stream { status, len } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nTransfer-Encoding: chunked\r\n\r\n",
                    reason(status)
                );
                out.write_all(head.as_bytes())?;
                let chunk = vec![b'a'; 64 * 1024];
                let mut left = len;
                while left > 0 && !stop.load(Ordering::Relaxed) {
                    let n = left.min(chunk.len() as u64) as usize;
                    out.write_all(format!("{n:x}\r\n").as_bytes())?;
                    out.write_all(&chunk[..n])?;
                    out.write_all(b"\r\n")?;
                    left -= n as u64;
                }
                out.write_all(b"0\r\n\r\n")?;
                out.flush()?;
            }
            Reply::Close => return Ok(()),
            Reply::Raw(bytes) => {
                out.write_all(&bytes)?;
                out.flush()?;
                return Ok(());
            }
        }
    }
    Ok(())
}

fn read_request(r: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    r.read_exact(&mut body)?;
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
        nth_on_connection: 0,
    }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// An HTTP date for Unix seconds, as servers send in `Date`.
pub fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let sdk = hwsms::auth::signer::format_sdk_date(unix); // YYYYMMDDTHHMMSSZ
    let (y, mo, d) = (&sdk[0..4], &sdk[4..6], &sdk[6..8]);
    let (h, mi, s) = (&sdk[9..11], &sdk[11..13], &sdk[13..15]);
    let weekday = DAYS[unix.div_euclid(86_400).rem_euclid(7) as usize];
    let month = MONTHS[mo.parse::<usize>().unwrap() - 1];
    format!("{weekday}, {d} {month} {y} {h}:{mi}:{s} GMT")
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Why the server rejected a signature, or `Ok` when it verifies.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    Ok,
    Missing,
    Mismatch,
    /// `X-Sdk-Date` more than 15 minutes from the server's clock.
    Expired {
        sdk_date: String,
    },
}

/// Recomputes an `SDK-HMAC-SHA256` signature the way the gateway does:
/// from the headers the client says it signed, and the server's own clock
/// (`server_now`, Unix seconds).
pub fn check_signature(req: &Request, ak: &str, sk: &str, server_now: i64) -> SignatureCheck {
    let Some(auth) = req.header("Authorization") else {
        return SignatureCheck::Missing;
    };
    let Some(rest) = auth.strip_prefix("SDK-HMAC-SHA256 ") else {
        return SignatureCheck::Mismatch;
    };
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or_default()
    };
    if field("Access") != ak {
        return SignatureCheck::Mismatch;
    }
    let names: Vec<&str> = field("SignedHeaders").split(';').collect();
    if !names.contains(&"host") || !names.contains(&"x-sdk-date") {
        return SignatureCheck::Mismatch;
    }
    let headers: Vec<(&str, &str)> = names
        .iter()
        .map(|n| (*n, req.header(n).unwrap_or_default()))
        .collect();
    let date = req.header("X-Sdk-Date").unwrap_or_default().to_string();
    let Some(signed_at) = hwsms::auth::signer::parse_sdk_date(&date) else {
        return SignatureCheck::Mismatch;
    };
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    // The gateway signs the decoded query (and encodes it itself).
    let decoded: Vec<(String, String)> = query
        .split('&')
        .filter(|q| !q.is_empty())
        .map(|q| q.split_once('=').unwrap_or((q, "")))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect();
    let query: Vec<(&str, &str)> = decoded
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let cr =
        hwsms::auth::signer::CanonicalRequest::new(&req.method, path, &query, &headers, &req.body);
    let sts = hwsms::auth::signer::StringToSign::new(&date, &cr);
    if hwsms::auth::signer::signature(sk, &sts) != field("Signature") {
        return SignatureCheck::Mismatch;
    }
    if (signed_at - server_now).abs() > 15 * 60 {
        return SignatureCheck::Expired { sdk_date: date };
    }
    SignatureCheck::Ok
}

/// `%XX` escapes decoded (a broken one kept as is).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SMS stand-in: answers ShowCommand like the real service.
///
/// - server id `no-permission`: the seed 403;
/// - server ids starting `unauthorized`: a 401 (APIGW.0301), whatever the
///   credentials;
/// - server ids starting `wait-`: "nothing to do" for the first two polls of
///   that id, then the seed's START;
/// - server ids starting `slow-`: the seed's START after 800 ms;
/// - any other id: the seed 200 (START) for ShowCommand until a result is
///   reported for that id, then "nothing to do", as SMS does; `"success"`
///   for a well-formed result report (`POST …/command_result`; a 400
///   otherwise);
/// - the agent's other calls (RegisterServer, ShowConfig, progress,
///   cert/key, passphrase, check reports, a source list): see
///   [`agent_api`]; task id `missing-task` is SMS's 404;
/// - any other path: an API gateway 404 (APIGW.0101).
///
/// Authentication: `X-Auth-Token` must equal `token` when given, or the
/// signature must verify with `ak`/`sk` when given; otherwise a 401 that
/// says which (a token it cannot read, or a signature that fails).
pub fn sms_standin(
    token: Option<String>,
    ak_sk: Option<(String, String)>,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let polls: Mutex<std::collections::HashMap<String, usize>> = Mutex::default();
    let reported: Mutex<std::collections::HashSet<String>> = Mutex::default();
    move |req| {
        let rid = "req-0123456789abcdef";
        let date = http_date(unix_now());
        let unauthorized = r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#;
        if req.path.starts_with("/v3/sources/unauthorized") {
            return Reply::json(401, unauthorized)
                .header("X-Request-Id", rid)
                .header("Date", &date);
        }
        let authorized = match (&token, &ak_sk, req.header("X-Auth-Token")) {
            (Some(t), _, Some(got)) => t == got,
            (_, Some((ak, sk)), _) => {
                check_signature(req, ak, sk, unix_now()) == SignatureCheck::Ok
            }
            (None, None, _) => true,
            _ => false,
        };
        if !authorized {
            // The gateway names what failed: a token it cannot read, or a
            // signature that does not verify.
            let body = if req.header("X-Auth-Token").is_some() {
                r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: decrypt token fail"}"#
            } else {
                unauthorized
            };
            return Reply::json(401, body)
                .header("X-Request-Id", rid)
                .header("Date", &date);
        }
        if let Some(reply) = agent_api::answer(req) {
            return reply.header("X-Request-Id", rid).header("Date", &date);
        }
        let id = req
            .path
            .strip_prefix("/v3/sources/")
            .and_then(|p| p.strip_suffix("/command"));
        let report_id = req
            .path
            .strip_prefix("/v3/sources/")
            .and_then(|p| p.strip_suffix("/command_result"));
        let waited = |id: &str| {
            let mut polls = polls.lock().unwrap();
            let n = polls.entry(id.to_string()).or_default();
            *n += 1;
            *n > 2
        };
        // As SMS: a command stays until its result is reported, then there
        // is nothing to do.
        let done = |id: &str| reported.lock().unwrap().contains(id);
        if id.is_some_and(|i| i.starts_with("slow-")) {
            thread::sleep(Duration::from_millis(800));
        }
        let reply = match (id, report_id) {
            (Some("no-permission"), _) | (_, Some("no-permission")) => Reply::json(403, SEED_403),
            (Some(w), _) if w.starts_with("wait-") && req.method == "GET" && !waited(w) => {
                Reply::json(200, r#"{"command_name":""}"#)
            }
            (Some(i), _) if req.method == "GET" && done(i) => {
                Reply::json(200, r#"{"command_name":""}"#)
            }
            (Some(_), _) if req.method == "GET" => Reply::json(200, SEED_200),
            (_, Some(i)) if req.method == "POST" && valid_report(&req.body) => {
                reported.lock().unwrap().insert(i.to_string());
                Reply::json(200, "\"success\"")
            }
            (_, Some(_)) if req.method == "POST" => Reply::json(
                400,
                r#"{"error_code":"SMS.9999","error_msg":"invalid command result body"}"#,
            ),
            _ => Reply::json(
                404,
                r#"{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published in the environment"}"#,
            ),
        };
        reply.header("X-Request-Id", rid).header("Date", &date)
    }
}

/// A report body as SMS expects: all three fields, a known result, an
/// object detail.
pub fn valid_report(body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    v["command_name"].as_str().is_some_and(|n| !n.is_empty())
        && matches!(v["result"].as_str(), Some("success" | "fail"))
        && v["result_detail"].is_object()
}

/// A gateway whose clock is `skew` seconds off real time, for the key `ak`/`sk`. It verifies the
/// signature and rejects dates more than 15 minutes from its clock with
/// APIG.0303, like the real one; `server_time_in_body` and `date_header`
/// choose which hints it gives.
pub fn skewed_gateway(
    ak: &'static str,
    sk: &'static str,
    skew: i64,
    server_time_in_body: bool,
    date_header: bool,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |req| {
        let now = unix_now() + skew;
        let reply = match check_signature(req, ak, sk, now) {
            SignatureCheck::Ok => Reply::json(200, SEED_200),
            SignatureCheck::Expired { sdk_date } => {
                let server_time = if server_time_in_body {
                    format!(",server time:{}", hwsms::auth::signer::format_sdk_date(now))
                } else {
                    String::new()
                };
                Reply::json(
                    401,
                    &format!(
                        r#"{{"error_msg":"Incorrect app authentication information: signature expired, signature time:{sdk_date}{server_time}","error_code":"APIG.0303","request_id":"rid-exp"}}"#
                    ),
                )
            }
            SignatureCheck::Missing | SignatureCheck::Mismatch => Reply::json(
                401,
                r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}"#,
            ),
        };
        if date_header {
            reply.header("Date", &http_date(now))
        } else {
            reply
        }
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every variable the library and the command line read for their
/// settings: credentials, where, trust and proxies.
pub const SETTINGS_VARS: [&str; 34] = [
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_DOMAIN_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_AUTH_TOKEN",
    "CLOUD_SDK_AK",
    "CLOUD_SDK_SK",
    "HWSMS_ENDPOINT",
    "HUAWEICLOUD_SDK_REGION",
    "HWSMS_CA_FILE",
    "HWSMS_SYSTEM_ROOTS",
    "HWSMS_PROXY",
    "HWSMS_PROXY_FROM_ENV",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
    "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
    "HWSMS_CREDENTIALS_SOURCE",
    "HWSMS_METADATA_ENDPOINT",
    "HUAWEICLOUD_SDK_IAM_ENDPOINT",
    "OS_AUTH_URL",
    "OS_USERNAME",
    "OS_PASSWORD",
    "OS_USER_DOMAIN_NAME",
    "OS_DOMAIN_NAME",
    "OS_PROJECT_ID",
    "OS_PROJECT_NAME",
    // The official SDKs' default credentials file is looked for in $HOME.
    "HOME",
];

/// Removes every settings variable of this process from `cmd`'s
/// environment, so a program under test sees only what the test gives it.
pub fn clear_settings(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for var in SETTINGS_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `fetch_command` and checks it fails by timing out near `deadline`.
pub fn assert_times_out_near(config: &hwsms::Config, deadline: Duration) {
    let started = std::time::Instant::now();
    let err = hwsms::fetch_command(config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f").unwrap_err();
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    let early = deadline.saturating_sub(Duration::from_millis(100));
    assert!(
        took >= early && took < deadline + Duration::from_secs(2),
        "took {took:?}, deadline {deadline:?}"
    );
}
