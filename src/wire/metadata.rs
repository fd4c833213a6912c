//! The ECS metadata service's temporary keys
//! (`GET /openstack/latest/securitykey`): `credential.{access, secret,
//! securitytoken, expires_at}`.

use super::date::parse_rfc3339;

/// A temporary access key pair from the metadata service.
pub(crate) struct TemporaryKey {
    pub(crate) access: String,
    pub(crate) secret: String,
    pub(crate) security_token: String,
    /// Unix seconds.
    pub(crate) expires_at: i64,
}

/// Parses the `securitykey` answer.
///
/// # Errors
///
/// A body that is not JSON or lacks one of the four fields; the message
/// names the field, never a value.
pub(crate) fn security_key(body: &[u8]) -> Result<TemporaryKey, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON ({e})"))?;
    let credential = &v["credential"];
    let field = |name: &str| {
        credential[name]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("the answer has no credential.{name}"))
    };
    let expires_at = parse_rfc3339(&field("expires_at")?)
        .ok_or("credential.expires_at is not an RFC 3339 time")?;
    Ok(TemporaryKey {
        access: field("access")?,
        secret: field("secret")?,
        security_token: field("securitytoken")?,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_fields() {
        let body = br#"{"credential":{"access":"AK1","secret":"SK1","securitytoken":"ST1","expires_at":"2026-12-01T13:00:00.000000Z"}}"#;
        let k = security_key(body).unwrap();
        assert_eq!(
            (
                k.access.as_str(),
                k.secret.as_str(),
                k.security_token.as_str()
            ),
            ("AK1", "SK1", "ST1")
        );
        assert_eq!(k.expires_at, parse_rfc3339("2026-12-01T13:00:00Z").unwrap());
        for (bad, want) in [
            (&b"nope"[..], "not JSON"),
            (br#"{"credential":{"access":"A","secret":"S","securitytoken":"T"}}"#, "expires_at"),
            (br#"{"credential":{"access":"","secret":"S","securitytoken":"T","expires_at":"2026-12-01T13:00:00Z"}}"#, "credential.access"),
            (br#"{"credential":{"access":"A","secret":"S","securitytoken":"T","expires_at":"later"}}"#, "RFC 3339"),
        ] {
            let e = security_key(bad).err().unwrap();
            assert!(e.contains(want), "{e}");
            assert!(!e.contains("\"S\""));
        }
    }
}
