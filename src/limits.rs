//! Every bound the library enforces, in one place.
//!
//! Each limit exists so that hostile or broken input ends in a clear error
//! instead of unbounded memory, time or recursion. The README's "Limits" table
//! lists the same values.

use std::time::Duration;

/// Default cap on a response body, in bytes (1 MiB).
///
/// A real ShowCommand body is a few hundred bytes; a 403 with an
/// `encoded_authorization_message` is at most about 64 KiB.
pub const DEFAULT_BODY_CAP: usize = 1024 * 1024;

/// Most bytes reserved for a response body before they arrive (64 KiB),
/// whatever `Content-Length` claims; the buffer grows as bytes come, up to
/// the cap.
pub const FIRST_RESERVATION: usize = 64 * 1024;

/// Longest IAM token accepted, in bytes: SMS documents 16 384 characters at
/// most for `X-Auth-Token`. Security tokens of temporary AK/SK share it.
pub const MAX_TOKEN_LEN: usize = 16_384;

/// Longest access key, secret key, project id or domain id accepted, in
/// bytes (real ones have 20 to 40).
pub const MAX_KEY_LEN: usize = 256;

/// Longest `User-Agent` accepted, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 1024;

/// Longest duration any setting accepts: a timeout, an idle or silence
/// bound, a poll interval, a backoff cap or an auth pause (one day).
pub const MAX_DURATION: Duration = Duration::from_secs(86_400);

/// Longest snippet of a non-JSON error body kept in an [`ApiError`](crate::ApiError), in bytes.
pub const ERROR_SNIPPET_LEN: usize = 512;

/// Longest accepted server id, in bytes.
pub const SERVER_ID_MAX_LEN: usize = 255;

/// Deepest JSON nesting accepted in any body, counting the outermost object
/// as 1.
///
/// One pass over the body enforces it before serde_json runs (which skips
/// unknown fields without a limit), so deeper input is an error, never a
/// stack overflow or an unbounded walk. It also stays within serde_json's own
/// recursion limit of 128.
pub const MAX_JSON_DEPTH: usize = 127;

/// Largest response head (status line plus headers) read, in bytes.
pub const MAX_RESPONSE_HEADER_SIZE: usize = 64 * 1024;

/// Longest response header value kept in an error (request id, `Location`), in bytes.
pub const MAX_KEPT_HEADER_LEN: usize = 256;

/// Default number of attempts per [`fetch_command`](crate::fetch_command) call.
pub const DEFAULT_ATTEMPTS: u32 = 3;

/// Most attempts a [`Config`](crate::Config) accepts.
pub const MAX_ATTEMPTS: u32 = 10;

/// First backoff step before a retry; later steps double.
pub const BACKOFF_BASE: Duration = Duration::from_millis(200);

/// Largest backoff step before a retry.
pub const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// Longest `Retry-After` honoured; larger values are clamped to this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// Default time to establish a connection (DNS, TCP, proxy, TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default deadline for a whole [`fetch_command`](crate::fetch_command) call, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default number of idle connections kept per host.
pub const DEFAULT_IDLE_CONNECTIONS_PER_HOST: usize = 16;

/// Default age after which an idle pooled connection is closed: below the
/// 60 s idle timeout common to load balancers and NAT gateways.
pub const DEFAULT_IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(50);

/// Default wait for the first answer byte on a reused connection before it
/// is presumed dead and the request is resent on a fresh one.
pub const DEFAULT_DEAD_CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// Default time between polls of a [`Poller`](crate::Poller).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);

/// Default longest wait of a poller after failures in a row.
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(300);

/// Default shortest wait of a poller after a 401 or 403: the gateway locks an
/// AK/SK for 5 minutes after repeated authentication failures.
pub const DEFAULT_AUTH_PAUSE: Duration = Duration::from_secs(300);

/// Largest response head the diagnosis's own probes read (a proxy's answer
/// to CONNECT, the gateway's answer to the clock request), in bytes.
pub const MAX_PROBE_HEAD: usize = 16 * 1024;

/// Longest single wait on a socket: longer waits for an answer are made of
/// such slices, because the kernel's timer for a socket timeout is only
/// about an eighth of the timeout precise, and 250 ms stay within a few
/// milliseconds. So a call ends at its deadline, not up to 12% after it.
pub const WAIT_SLICE: Duration = Duration::from_millis(250);

/// Largest clock skew, in seconds, that a `Date` header alone may teach the
/// gateway clock (one day). A larger one needs a signature rejection to
/// confirm it: one odd `Date` must not date every later signature wrongly.
pub const MAX_DATE_SKEW_SECS: i64 = 86_400;

/// Clock skew beyond which the diagnosis warns, in seconds (SMS.0205).
pub const CLOCK_WARN_SECS: i64 = 60;

/// Longest command name a result report accepts, in characters.
pub const COMMAND_NAME_MAX_CHARS: usize = 255;

/// Largest result detail a report accepts, in bytes (1 MiB).
pub const RESULT_DETAIL_MAX_LEN: usize = 1024 * 1024;

/// Renewable credentials are renewed when less than this is left of them,
/// or less than half their lifetime, whichever comes first.
pub const RENEW_BEFORE: Duration = Duration::from_secs(40 * 60);

/// Shortest time between two failed renewals of credentials; later ones
/// double up to [`RENEWAL_BACKOFF_CAP`].
pub const RENEWAL_RETRY: Duration = Duration::from_secs(30);

/// Longest time between two failed renewals of credentials.
pub const RENEWAL_BACKOFF_CAP: Duration = Duration::from_secs(300);

/// Credentials are not sent when less than this is left of them (or a
/// quarter of their lifetime, when that is shorter): a request must reach
/// the gateway before they expire.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(5);

/// Largest credentials file read, in bytes.
pub const MAX_CREDENTIALS_FILE: u64 = 64 * 1024;

/// How long a metadata-service session token asks to live (the official
/// SDKs' value, six hours).
pub const METADATA_TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);

/// Largest request body an SMS call sends, in bytes (1 MiB): a
/// registration with every disk and volume group fits many times over.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Most directories one consistency-check report carries (SMS's limit).
pub const MAX_CONSISTENCY_DIRS: usize = 30;
