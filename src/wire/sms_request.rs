//! A request to any SMS v3 API (the generic call): its method, path, query
//! and body, checked before anything is sent.

use std::fmt;
use std::str::FromStr;

use super::json::check_size;
use super::server_id::ServerId;
use crate::error::InvalidRequest;

/// An HTTP method SMS's API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`: reads; resent freely.
    Get,
    /// `POST`: creates or acts; never resent once it may have arrived.
    Post,
    /// `PUT`: replaces; resent freely.
    Put,
    /// `DELETE`: removes; resent freely (a second delete finds nothing).
    Delete,
    /// `PATCH`: changes in part; never resent once it may have arrived.
    Patch,
}

impl HttpMethod {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
        }
    }

    /// True when sending the request twice has the effect of sending it
    /// once (RFC 9110, 9.2.2), so a retry or resend cannot double it.
    pub fn is_idempotent(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete)
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HttpMethod {
    type Err = InvalidRequest;

    /// `GET`, `POST`, `PUT`, `DELETE` or `PATCH`, in any letter case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            "PATCH" => HttpMethod::Patch,
            _ => {
                return Err(InvalidRequest::new(format!(
                    "method {s:?} is not one of GET, POST, PUT, DELETE, PATCH"
                )));
            }
        })
    }
}

/// A request to any SMS v3 API, for [`call`](crate::agent::call).
///
/// ```
/// use hwsms::agent::{HttpMethod, SmsRequest};
///
/// let list = SmsRequest::new(HttpMethod::Get, "/v3/sources")?.query("limit", "10");
/// let same = SmsRequest::parse("GET", "/v3/sources?limit=10")?;
/// assert_eq!(list, same);
/// # Ok::<_, hwsms::error::InvalidRequest>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRequest {
    pub(crate) method: HttpMethod,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl SmsRequest {
    /// A request with no query and no body.
    ///
    /// # Errors
    ///
    /// A path that does not start with `/v3/`, has an empty, `.` or `..`
    /// segment, or a character outside `A-Za-z0-9._~-` in a segment (SMS's
    /// ids and names need no other; the path is sent exactly as signed).
    pub fn new(method: HttpMethod, path: &str) -> Result<Self, InvalidRequest> {
        check_path(path)?;
        Ok(SmsRequest {
            method,
            path: path.to_string(),
            query: Vec::new(),
            body: None,
        })
    }

    /// A request from a method name and a target as a command line or C
    /// caller writes it: the path with an optional `?query`, whose
    /// `%XX` escapes and `+` are decoded.
    ///
    /// # Errors
    ///
    /// An unknown method, a bad path (see [`new`](Self::new)) or a query
    /// with a broken `%` escape or text that is not UTF-8.
    pub fn parse(method: &str, target: &str) -> Result<Self, InvalidRequest> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut request = SmsRequest::new(method.parse()?, path)?;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            request.query.push((form_decode(k)?, form_decode(v)?));
        }
        Ok(request)
    }

    /// Adds a query parameter, unencoded (hwsms encodes it as it signs it).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets the JSON body.
    ///
    /// # Errors
    ///
    /// A body on a GET, text that is not JSON, or one larger than
    /// [`MAX_REQUEST_BODY`](crate::limits::MAX_REQUEST_BODY).
    pub fn json_body(mut self, json: &str) -> Result<Self, InvalidRequest> {
        if self.method == HttpMethod::Get {
            return Err(InvalidRequest::new("a GET carries no body"));
        }
        check_size("the body", json.len())?;
        serde_json::from_str::<serde::de::IgnoredAny>(json)
            .map_err(|e| InvalidRequest::new(format!("the body is not JSON: {e}")))?;
        self.body = Some(json.as_bytes().to_vec());
        Ok(self)
    }

    /// The method.
    pub fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path, e.g. `/v3/sources`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// SMS paths: `/v3/` and segments of unreserved characters.
fn check_path(path: &str) -> Result<(), InvalidRequest> {
    let Some(rest) = path.strip_prefix("/v3/") else {
        return Err(InvalidRequest::new(format!(
            "path {path:?} is not an SMS v3 path; it must start with /v3/"
        )));
    };
    for segment in rest.split('/') {
        if segment.is_empty() {
            return Err(InvalidRequest::new(format!(
                "path {path:?} has an empty segment"
            )));
        }
        ServerId::parse(segment)
            .map_err(|e| InvalidRequest::new(format!("path segment {segment:?}: {e}")))?;
    }
    Ok(())
}

/// A query component with `%XX` and `+` decoded.
fn form_decode(s: &str) -> Result<String, InvalidRequest> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        InvalidRequest::new(format!("the query has a broken % escape in {s:?}"))
                    })?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| InvalidRequest::new(format!("the query component {s:?} is not UTF-8")))
}

/// A task id as a path segment (the same rules as a server id).
pub(crate) fn task_segment(task_id: &str) -> Result<&str, InvalidRequest> {
    ServerId::parse(task_id)
        .map(|_| task_id)
        .map_err(|e| InvalidRequest::new(format!("task id: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_be_sms_v3_paths() {
        assert!(SmsRequest::new(HttpMethod::Get, "/v3/sources/abc-1/command").is_ok());
        for bad in [
            "/v2/sources",
            "v3/sources",
            "/v3/",
            "/v3//x",
            "/v3/a/../b",
            "/v3/a b",
            "/v3/a%2Fb",
        ] {
            let e = SmsRequest::new(HttpMethod::Get, bad).unwrap_err();
            assert!(e.message().contains("path"), "{bad}: {e}");
        }
    }

    #[test]
    fn targets_split_into_path_and_decoded_query() {
        let r =
            SmsRequest::parse("get", "/v3/sources?name=web+01&state=un%2Favailable&flag").unwrap();
        assert_eq!(r.method(), HttpMethod::Get);
        assert_eq!(r.path(), "/v3/sources");
        assert_eq!(
            r.query,
            [
                ("name".into(), "web 01".into()),
                ("state".into(), "un/available".into()),
                ("flag".into(), String::new())
            ]
        );
        assert!(SmsRequest::parse("GET", "/v3/x?a=%zz").is_err());
        assert!(
            SmsRequest::parse("TRACE", "/v3/x")
                .unwrap_err()
                .message()
                .contains("TRACE")
        );
    }

    #[test]
    fn bodies_are_json_and_never_on_a_get() {
        let post = SmsRequest::new(HttpMethod::Post, "/v3/tasks").unwrap();
        assert!(post.clone().json_body(r#"{"a":1}"#).is_ok());
        assert!(
            post.json_body("{a:1}")
                .unwrap_err()
                .message()
                .contains("not JSON")
        );
        let get = SmsRequest::new(HttpMethod::Get, "/v3/tasks").unwrap();
        assert!(get.json_body("{}").is_err());
        assert!(HttpMethod::Put.is_idempotent() && !HttpMethod::Post.is_idempotent());
    }
}
