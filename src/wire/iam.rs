//! IAM's password-token call (`POST /v3/auth/tokens?nocatalog=true`): the
//! request body and the expiry in the answer. The token itself is the
//! answer's `X-Subject-Token` header.

use super::date::parse_rfc3339;

/// The project a token is scoped to: by id, or by name (on Huawei Cloud a
/// project's name is usually its region's id, e.g. `ap-southeast-3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProjectRef<'a> {
    Id(&'a str),
    Name(&'a str),
}

/// The body of a password-method token request scoped to `project`.
///
/// Written as text around serde_json's string quoting rather than built as
/// a `serde_json::Value`: that would link a JSON tree builder into the C
/// library for one small body.
pub(crate) fn password_token_request(
    user: &str,
    password: &str,
    domain: &str,
    project: &ProjectRef<'_>,
) -> Vec<u8> {
    // Quoting a string cannot fail.
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let project = match project {
        ProjectRef::Id(id) => format!("{{\"id\":{}}}", q(id)),
        ProjectRef::Name(name) => format!("{{\"name\":{}}}", q(name)),
    };
    format!(
        "{{\"auth\":{{\"identity\":{{\"methods\":[\"password\"],\"password\":{{\"user\":\
         {{\"name\":{},\"password\":{},\"domain\":{{\"name\":{}}}}}}}}},\
         \"scope\":{{\"project\":{project}}}}}}}",
        q(user),
        q(password),
        q(domain)
    )
    .into_bytes()
}

/// The token's expiry (`token.expires_at`, Unix seconds) in IAM's answer.
///
/// # Errors
///
/// A body that is not JSON or has no RFC 3339 `token.expires_at`; the
/// message never quotes the body.
pub(crate) fn token_expiry(body: &[u8]) -> Result<i64, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let at = v["token"]["expires_at"]
        .as_str()
        .ok_or("the answer has no token.expires_at")?;
    parse_rfc3339(at).ok_or_else(|| "token.expires_at is not an RFC 3339 time".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_request_names_the_user_domain_and_project() {
        let body = password_token_request("agent", "pw\"x", "acme", &ProjectRef::Id("0a1b"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let auth = &v["auth"];
        assert_eq!(auth["identity"]["methods"], json!(["password"]));
        let user = &auth["identity"]["password"]["user"];
        assert_eq!(user["name"], "agent");
        assert_eq!(user["password"], "pw\"x");
        assert_eq!(user["domain"]["name"], "acme");
        assert_eq!(auth["scope"]["project"], json!({ "id": "0a1b" }));
        let body = password_token_request("a", "p", "d", &ProjectRef::Name("ap-southeast-3"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v["auth"]["scope"]["project"],
            json!({ "name": "ap-southeast-3" })
        );
    }

    #[test]
    fn the_expiry_of_the_answer() {
        let body =
            br#"{"token":{"expires_at":"2026-12-02T12:00:00.000000Z","methods":["password"]}}"#;
        assert_eq!(
            token_expiry(body),
            Ok(parse_rfc3339("2026-12-02T12:00:00Z").unwrap())
        );
        for (bad, want) in [
            (&b"<html>"[..], "not JSON"),
            (br#"{"token":{}}"#, "no token.expires_at"),
            (br#"{"token":{"expires_at":"soon"}}"#, "not an RFC 3339"),
        ] {
            let e = token_expiry(bad).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }
}
