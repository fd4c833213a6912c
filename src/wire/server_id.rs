//! Validation of the `server_id` path parameter, before any I/O.

use crate::error::InvalidServerId;
use crate::limits::SERVER_ID_MAX_LEN;

/// A server id that is safe to put into the request path as one segment.
///
/// Accepts 1 to 255 bytes of `[A-Za-z0-9._~-]`, except `.` and `..`. These are
/// exactly the unreserved characters of RFC 3986, so the id needs no
/// percent-encoding and the path sent equals the path signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ServerId<'a>(&'a str);

impl<'a> ServerId<'a> {
    /// Checks `id` against the rules above.
    pub(crate) fn parse(id: &'a str) -> Result<Self, InvalidServerId> {
        if id.is_empty() {
            return Err(InvalidServerId::Empty);
        }
        if id.len() > SERVER_ID_MAX_LEN {
            return Err(InvalidServerId::TooLong(id.len()));
        }
        let bad = id
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii() || !is_unreserved(*c as u8));
        if let Some((at, found)) = bad {
            return Err(InvalidServerId::ForbiddenChar {
                position: at + 1,
                found,
            });
        }
        if id == "." || id == ".." {
            return Err(InvalidServerId::DotSegment);
        }
        Ok(Self(id))
    }

    /// The ShowCommand request path for this id: `/v3/sources/{id}/command`.
    pub(crate) fn command_path(&self) -> String {
        ["/v3/sources/", self.0, "/command"].concat()
    }

    /// The result-report request path for this id:
    /// `/v3/sources/{id}/command_result`.
    pub(crate) fn command_result_path(&self) -> String {
        ["/v3/sources/", self.0, "/command_result"].concat()
    }
}

/// RFC 3986 unreserved characters, the set the signer leaves unencoded.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_uuid_and_every_unreserved_char() {
        assert!(ServerId::parse("f32ab4d6-d150-4fb3-aa55-edbb5cf9947f").is_ok());
        let all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        assert_eq!(ServerId::parse(all).unwrap().0, all);
        assert_eq!(
            ServerId::parse("...").unwrap().command_path(),
            "/v3/sources/.../command"
        );
    }

    #[test]
    fn the_bad_character_is_named_with_its_position() {
        let id = "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f\n";
        let err = ServerId::parse(id).unwrap_err();
        assert_eq!(
            err,
            InvalidServerId::ForbiddenChar {
                position: 37,
                found: '\n'
            }
        );
        let text = err.to_string();
        assert!(text.starts_with("character 37 is a newline"), "{text}");
        assert!(text.contains("line end"), "{text}");
        for (id, expected) in [
            ("a b", "character 2 is a space"),
            ("a/b", "character 2 is '/'"),
            ("äb", "character 1 is 'ä'"),
            ("aé/", "character 2 is 'é'"),
            ("a\u{1}", "character 2 is the control character U+0001"),
        ] {
            let text = ServerId::parse(id).unwrap_err().to_string();
            assert!(text.starts_with(expected), "{id:?}: {text}");
        }
    }

    #[test]
    fn length_limit_is_inclusive() {
        let at = "a".repeat(SERVER_ID_MAX_LEN);
        assert!(ServerId::parse(&at).is_ok());
        let past = "a".repeat(SERVER_ID_MAX_LEN + 1);
        assert_eq!(ServerId::parse(&past), Err(InvalidServerId::TooLong(256)));
    }

    #[test]
    fn rejects_what_could_change_the_path() {
        assert_eq!(ServerId::parse(""), Err(InvalidServerId::Empty));
        assert_eq!(ServerId::parse("."), Err(InvalidServerId::DotSegment));
        assert_eq!(ServerId::parse(".."), Err(InvalidServerId::DotSegment));
        for bad in [
            "a/b",
            "a?b",
            "a#b",
            "a%2Fb",
            "a b",
            "ä",
            "a\0",
            "a\r\nHost: x",
            "a+b",
            "a@b",
        ] {
            assert!(
                matches!(
                    ServerId::parse(bad),
                    Err(InvalidServerId::ForbiddenChar { .. })
                ),
                "{bad:?} must be rejected"
            );
        }
        assert_eq!(
            ServerId::parse("ab/"),
            Err(InvalidServerId::ForbiddenChar {
                position: 3,
                found: '/'
            })
        );
    }
}
