//! Errors about what went in or came back malformed: configuration, a 2xx
//! body that does not decode, a server id or a result report refused before
//! any I/O.

use std::error::Error as StdError;
use std::fmt;

use crate::limits::{COMMAND_NAME_MAX_CHARS, RESULT_DETAIL_MAX_LEN, SERVER_ID_MAX_LEN};

/// A configuration problem, found while building a [`Config`](crate::Config).
#[derive(Debug)]
pub struct ConfigError {
    pub(crate) message: String,
    pub(crate) source: Option<Box<dyn StdError + Send + Sync>>,
}

impl ConfigError {
    /// What is wrong, in words.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

/// A 2xx body that could not be decoded, with where decoding stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    line: usize,
    column: usize,
    message: String,
    eof: bool,
    /// What the body should have been.
    expected: &'static str,
}

impl DecodeError {
    pub(crate) fn new(line: usize, column: usize, message: String) -> Self {
        DecodeError {
            line,
            column,
            message,
            eof: false,
            expected: "a ShowCommand JSON object",
        }
    }

    /// Invalid UTF-8 starting at byte `at` of `body`.
    pub(crate) fn invalid_utf8(body: &[u8], at: usize) -> Self {
        let before = &body[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        DecodeError::new(
            line,
            column,
            format!("invalid UTF-8 at line {line} column {column}"),
        )
    }

    pub(crate) fn from_json(e: &serde_json::Error) -> Self {
        DecodeError {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
            eof: e.is_eof(),
            expected: "a ShowCommand JSON object",
        }
    }
    /// The same error about a body that should have been `expected` (e.g.
    /// "a RegisterServer answer with an id").
    pub(crate) fn expecting(mut self, expected: &'static str) -> Self {
        self.expected = expected;
        self
    }
    /// True when the body ended in the middle of the JSON document.
    pub(crate) fn is_eof(&self) -> bool {
        self.eof
    }
    /// 1-based line where decoding stopped.
    pub fn line(&self) -> usize {
        self.line
    }
    /// 1-based column where decoding stopped (0 at the very start of input).
    pub fn column(&self) -> usize {
        self.column
    }
    /// serde_json's description, position included.
    pub fn message(&self) -> &str {
        &self.message
    }
    pub(crate) fn map_message(&mut self, f: &dyn Fn(&mut String)) {
        f(&mut self.message);
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the 2xx body is not {}: {}; the endpoint may not be SMS",
            self.expected, self.message
        )
    }
}

/// Why a server id was rejected. Carried by [`Error::InvalidServerId`](crate::Error::InvalidServerId).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidServerId {
    /// The id is the empty string.
    Empty,
    /// The id is longer than [`SERVER_ID_MAX_LEN`](crate::limits::SERVER_ID_MAX_LEN) bytes; carries its length.
    TooLong(usize),
    /// The id contains a character outside `A-Za-z0-9._~-`.
    ForbiddenChar {
        /// Its position, counting characters from 1.
        position: usize,
        /// The character.
        found: char,
    },
    /// The id is `.` or `..`, which would change the request path.
    DotSegment,
}

impl fmt::Display for InvalidServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong(n) => write!(f, "it is {n} bytes long, more than {SERVER_ID_MAX_LEN}"),
            Self::ForbiddenChar { position, found } => {
                write!(
                    f,
                    "character {position} is {}, which an id cannot contain (only A-Z a-z 0-9 . _ ~ -)",
                    describe(*found)
                )?;
                if matches!(found, '\n' | '\r' | ' ' | '\t') {
                    f.write_str("; was it read from a file or command output with its line end?")?;
                }
                Ok(())
            }
            Self::DotSegment => f.write_str("'.' and '..' are path segments, not ids"),
        }
    }
}

/// Names a character for a person: the invisible ones by name.
fn describe(c: char) -> String {
    match c {
        '\n' => "a newline".into(),
        '\r' => "a carriage return".into(),
        '\t' => "a tab".into(),
        ' ' => "a space".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("'{c}'"),
    }
}

impl StdError for InvalidServerId {}

/// Why a result report was rejected before any I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidReport {
    /// The command name is empty.
    EmptyCommandName,
    /// The command name is longer than 255 characters.
    CommandNameTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The result is neither `success` nor `fail`.
    Outcome,
    /// The detail is not valid JSON.
    DetailNotJson {
        /// serde_json's description, with line and column.
        message: String,
    },
    /// The detail is valid JSON but not an object.
    DetailNotObject {
        /// What it is instead: `an array`, `a string`, …
        found: &'static str,
    },
    /// The detail is larger than [`RESULT_DETAIL_MAX_LEN`](crate::limits::RESULT_DETAIL_MAX_LEN) bytes.
    DetailTooLarge {
        /// Its length in bytes.
        len: usize,
    },
}

impl fmt::Display for InvalidReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidReport::EmptyCommandName => f.write_str("the command name is empty"),
            InvalidReport::CommandNameTooLong { chars } => write!(
                f,
                "the command name has {chars} characters; at most {COMMAND_NAME_MAX_CHARS} are allowed"
            ),
            InvalidReport::Outcome => f.write_str("the result must be `success` or `fail`"),
            InvalidReport::DetailNotJson { message } => {
                write!(f, "the result detail is not valid JSON: {message}")
            }
            InvalidReport::DetailNotObject { found } => write!(
                f,
                "the result detail must be a JSON object (`{{}}` when there is nothing to say), not {found}"
            ),
            InvalidReport::DetailTooLarge { len } => write!(
                f,
                "the result detail is {len} bytes; at most {RESULT_DETAIL_MAX_LEN} are allowed"
            ),
        }
    }
}

impl StdError for InvalidReport {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_placed_by_line_and_column() {
        let e = DecodeError::invalid_utf8(b"{\n  \"a\":\n \xff", 10);
        assert_eq!((e.line(), e.column()), (3, 2));
        assert_eq!(e.message(), "invalid UTF-8 at line 3 column 2");
        let e = DecodeError::invalid_utf8(b"ab\xff", 2);
        assert_eq!((e.line(), e.column()), (1, 3));
        let e = DecodeError::invalid_utf8(b"\xff", 0);
        assert_eq!((e.line(), e.column()), (1, 1));
    }

    #[test]
    fn every_server_id_rejection_says_why() {
        let text = |e: InvalidServerId| e.to_string();
        assert_eq!(text(InvalidServerId::Empty), "it is empty");
        assert_eq!(
            text(InvalidServerId::TooLong(300)),
            "it is 300 bytes long, more than 255"
        );
        assert!(text(InvalidServerId::DotSegment).contains("path segments"));
    }
}

/// A request refused before any I/O: a body without a required field, a
/// value out of range, an id that cannot be a path segment, a path that is
/// not an SMS v3 path. Carried by [`Error::InvalidRequest`](crate::Error::InvalidRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRequest {
    pub(crate) message: String,
}

impl InvalidRequest {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        InvalidRequest {
            message: message.into(),
        }
    }
    /// What is wrong, naming the field.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: {}; nothing was sent", self.message)
    }
}

impl StdError for InvalidRequest {}
