//! The 200 body of ShowCommand, decoded without copying.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::{depth, fast_path};
use crate::error::{DecodeError, Error};

/// A command name sent by SMS.
///
/// The set is open: names differ by region and API version, so a name this
/// crate does not know is kept as [`CommandName::Other`], never an error.
/// Matching is exact (names are upper case on the wire).
///
/// **Matching forward-compatibly.** A later version of this crate may learn
/// a name that is `Other("X")` today and give it a variant of its own; code
/// matching `Other("X")` would then silently stop matching. Match the
/// variants you handle, and for any other name compare
/// [`as_str()`](Self::as_str), which stays the wire name whatever the
/// variant:
///
/// ```
/// use hwsms::CommandName;
///
/// fn handle(name: CommandName<'_>) -> &'static str {
///     match name {
///         CommandName::Start => "start",
///         CommandName::Stop => "stop",
///         // Not `Other("UPLOAD_LOG")`: that name has a variant already,
///         // and so may any name later.
///         other if other.as_str() == "UPLOAD_LOG" => "upload logs",
///         _ => "ignore",
///     }
/// }
/// assert_eq!(handle(CommandName::parse("UPLOAD_LOG")), "upload logs");
/// assert_eq!(handle(CommandName::parse("NEW_THING")), "ignore");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandName<'a> {
    /// `START`: start (or resume) the migration task.
    Start,
    /// `STOP`: stop the running task.
    Stop,
    /// `DELETE`: the task was deleted.
    Delete,
    /// `SYNC`: run an incremental synchronisation.
    Sync,
    /// `SKIP`: skip the current step.
    Skip,
    /// `PREMIGRATE`: run the pre-migration checks.
    Premigrate,
    /// `TASK_NOT_STARTED`: the task has not been started yet.
    TaskNotStarted,
    /// `TASK_HAS_STOPPED`: the task is stopped.
    TaskHasStopped,
    /// `TASK_HAS_FINISHED`: the task is finished.
    TaskHasFinished,
    /// `UPLOAD_LOG`: upload the agent's logs.
    UploadLog,
    /// `RSET_LOG_ACL`: reset the ACL of the log bucket (spelled so by the API).
    RsetLogAcl,
    /// Any other non-empty name, as sent.
    Other(&'a str),
}

impl<'a> CommandName<'a> {
    /// Maps a wire name to its variant; unknown names become [`CommandName::Other`].
    pub fn parse(name: &'a str) -> Self {
        match name {
            "START" => Self::Start,
            "STOP" => Self::Stop,
            "DELETE" => Self::Delete,
            "SYNC" => Self::Sync,
            "SKIP" => Self::Skip,
            "PREMIGRATE" => Self::Premigrate,
            "TASK_NOT_STARTED" => Self::TaskNotStarted,
            "TASK_HAS_STOPPED" => Self::TaskHasStopped,
            "TASK_HAS_FINISHED" => Self::TaskHasFinished,
            "UPLOAD_LOG" => Self::UploadLog,
            "RSET_LOG_ACL" => Self::RsetLogAcl,
            other => Self::Other(other),
        }
    }

    /// The name as it appears on the wire.
    pub fn as_str(&self) -> &'a str {
        match self {
            Self::Start => "START",
            Self::Stop => "STOP",
            Self::Delete => "DELETE",
            Self::Sync => "SYNC",
            Self::Skip => "SKIP",
            Self::Premigrate => "PREMIGRATE",
            Self::TaskNotStarted => "TASK_NOT_STARTED",
            Self::TaskHasStopped => "TASK_HAS_STOPPED",
            Self::TaskHasFinished => "TASK_HAS_FINISHED",
            Self::UploadLog => "UPLOAD_LOG",
            Self::RsetLogAcl => "RSET_LOG_ACL",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for CommandName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded ShowCommand body.
///
/// ```
/// use hwsms::{CommandName, decode_command};
///
/// let body = br#"{"command_name":"SYNC","command_param":{"task_id":"t-9","bucket":"b"}}"#;
/// let command = decode_command(body)?;
/// assert_eq!(command.name(), Some(CommandName::Sync));
/// assert_eq!((command.task_id(), command.bucket()), (Some("t-9"), Some("b")));
/// assert!(command.is_borrowed()); // no escapes: nothing was copied
/// let detached = command.into_owned(); // outlives the body
/// # let _ = detached;
/// # Ok::<_, hwsms::Error>(())
/// ```
///
/// Its strings borrow from the body bytes (`'buf`); only a string that
/// contains a JSON escape is copied, because unescaping must write new bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command<'buf> {
    name: Option<Cow<'buf, str>>,
    task_id: Option<Cow<'buf, str>>,
    bucket: Option<Cow<'buf, str>>,
}

impl<'buf> Command<'buf> {
    /// The command to run, or `None` when there is nothing to do (the
    /// `command_name` field is missing, `null` or `""`).
    pub fn name(&self) -> Option<CommandName<'_>> {
        self.name.as_deref().map(CommandName::parse)
    }

    /// `command_param.task_id`, when present and not `null`.
    pub fn task_id(&self) -> Option<&str> {
        self.task_id.as_deref()
    }

    /// `command_param.bucket`, when present and not `null`.
    pub fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// True when every string borrows from the body (no escapes were present).
    pub fn is_borrowed(&self) -> bool {
        [&self.name, &self.task_id, &self.bucket]
            .iter()
            .all(|s| !matches!(s, Some(Cow::Owned(_))))
    }

    /// Copies every string, detaching the command from the body.
    pub fn into_owned(self) -> Command<'static> {
        let own = |s: Option<Cow<'buf, str>>| s.map(|s| Cow::Owned(s.into_owned()));
        Command {
            name: own(self.name),
            task_id: own(self.task_id),
            bucket: own(self.bucket),
        }
    }
}

/// Decodes a ShowCommand 200 body without any network.
///
/// For agents that bring their own transport, and for benchmarks. The body
/// must be one JSON object; unknown fields are ignored, and `command_param`
/// and each of its fields may be missing or `null`. Decoding a body without
/// escaped strings allocates nothing.
///
/// # Errors
///
/// [`Error::Decode`] when the body is not a JSON object of that shape, with
/// the line and column where decoding stopped.
///
/// ```
/// let body = br#"{"command_name":"START","command_param":{"task_id":"t-1"}}"#;
/// let command = hwsms::decode_command(body)?;
/// assert_eq!(command.name(), Some(hwsms::CommandName::Start));
/// assert_eq!(command.task_id(), Some("t-1"));
/// assert_eq!(command.bucket(), None);
/// # Ok::<_, hwsms::Error>(())
/// ```
pub fn decode_command(body: &[u8]) -> Result<Command<'_>, Error> {
    if let Some(f) = fast_path::scan(body) {
        return Ok(Command {
            name: f.name,
            task_id: f.task_id,
            bucket: f.bucket,
        });
    }
    decode_general(body)
}

/// Where a decoded command's strings lie in the body it came from, so the
/// command can be handed out again without decoding the body twice (once
/// to check it, once for the caller).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CommandSpans {
    name: Option<Span>,
    task_id: Option<Span>,
    bucket: Option<Span>,
}

/// One string of a command: a range of the body, or (when it had escapes)
/// the unescaped text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Span {
    In(std::ops::Range<usize>),
    Owned(String),
}

impl CommandSpans {
    /// The spans of `command`, decoded from `body`.
    pub(crate) fn of(command: &Command<'_>, body: &[u8]) -> Self {
        let span = |s: &Option<Cow<'_, str>>| {
            s.as_ref().map(|s| match s {
                Cow::Borrowed(b) => {
                    let start = (b.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
                    if start
                        .checked_add(b.len())
                        .is_some_and(|end| end <= body.len())
                    {
                        Span::In(start..start + b.len())
                    } else {
                        Span::Owned(b.to_string())
                    }
                }
                Cow::Owned(o) => Span::Owned(o.clone()),
            })
        };
        CommandSpans {
            name: span(&command.name),
            task_id: span(&command.task_id),
            bucket: span(&command.bucket),
        }
    }

    /// The command again, borrowing from `body` (the same body); `None` if
    /// a span does not fit it.
    pub(crate) fn command<'b>(&self, body: &'b [u8]) -> Option<Command<'b>> {
        let text = |s: &Option<Span>| -> Option<Option<Cow<'b, str>>> {
            match s {
                None => Some(None),
                Some(Span::Owned(o)) => Some(Some(Cow::Owned(o.clone()))),
                Some(Span::In(r)) => {
                    let bytes = body.get(r.clone())?;
                    Some(Some(Cow::Borrowed(std::str::from_utf8(bytes).ok()?)))
                }
            }
        };
        Some(Command {
            name: text(&self.name)?,
            task_id: text(&self.task_id)?,
            bucket: text(&self.bucket)?,
        })
    }
}

/// The serde_json path: every valid body, and the error for every invalid one.
pub(crate) fn decode_general(body: &[u8]) -> Result<Command<'_>, Error> {
    let fail = |e: DecodeError| Err(Error::Decode(Box::new(e)));
    if let Some(e) = depth::check(body) {
        return fail(e);
    }
    // JSON is UTF-8 throughout. serde_json checks only the strings it keeps,
    // not those it skips, so check the whole body (found by fuzzing).
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) => return fail(DecodeError::invalid_utf8(body, e.valid_up_to())),
    };
    serde_json::from_str(text).map_err(|e| Error::Decode(Box::new(DecodeError::from_json(&e))))
}

/// A JSON string that borrows when it can.
///
/// serde borrows a bare `Cow<str>` field but not one nested in `Option`; this
/// newtype carries the `borrow` through.
#[derive(serde::Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

fn text(t: Option<Text<'_>>) -> Option<Cow<'_, str>> {
    t.map(|t| t.0)
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum CommandField {
    CommandName,
    CommandParam,
    #[serde(other)]
    Unknown,
}

#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum ParamField {
    TaskId,
    Bucket,
    #[serde(other)]
    Unknown,
}

#[derive(Default)]
struct Param<'a> {
    task_id: Option<Cow<'a, str>>,
    bucket: Option<Cow<'a, str>>,
}

// Hand-written rather than derived: a derived struct would also accept a JSON
// array in place of the object, and would not reject duplicate keys.
impl<'de: 'a, 'a> Deserialize<'de> for Command<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Command<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a ShowCommand object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut name: Option<Option<Text<'de>>> = None;
                let mut param: Option<Option<Param<'de>>> = None;
                while let Some(field) = map.next_key()? {
                    match field {
                        CommandField::CommandName => {
                            if name.is_some() {
                                return Err(de::Error::duplicate_field("command_name"));
                            }
                            name = Some(map.next_value()?);
                        }
                        CommandField::CommandParam => {
                            if param.is_some() {
                                return Err(de::Error::duplicate_field("command_param"));
                            }
                            param = Some(map.next_value()?);
                        }
                        CommandField::Unknown => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let param = param.flatten().unwrap_or_default();
                Ok(Command {
                    // An empty name means "nothing to do", like a missing one.
                    name: text(name.flatten()).filter(|n| !n.is_empty()),
                    task_id: param.task_id,
                    bucket: param.bucket,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Param<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Param<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command_param object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut task_id: Option<Option<Text<'de>>> = None;
                let mut bucket: Option<Option<Text<'de>>> = None;
                while let Some(field) = map.next_key()? {
                    let (slot, key) = match field {
                        ParamField::TaskId => (&mut task_id, "task_id"),
                        ParamField::Bucket => (&mut bucket, "bucket"),
                        ParamField::Unknown => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(de::Error::duplicate_field(key));
                    }
                    *slot = Some(map.next_value()?);
                }
                Ok(Param {
                    task_id: text(task_id.flatten()),
                    bucket: text(bucket.flatten()),
                })
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_give_the_same_command_back() {
        for body in [
            &br#"{"command_name":"SYNC","command_param":{"task_id":"t-9","bucket":"b"}}"#[..],
            br#"{"command_name":"ST\u0041RT","command_param":{"task_id":"a\"b"}}"#,
            br#"{"command_param":null,"extra":[1,2]}"#,
        ] {
            let command = decode_command(body).unwrap();
            let spans = CommandSpans::of(&command, body);
            let again = spans.command(body).unwrap();
            assert_eq!(again, command);
            assert_eq!(again.is_borrowed(), command.is_borrowed());
        }
        // A body that does not match the spans is refused, not misread.
        let body = br#"{"command_name":"START"}"#;
        let spans = CommandSpans::of(&decode_command(body).unwrap(), body);
        assert_eq!(spans.command(b"{}"), None);
    }

    const SEED: &[u8] = include_bytes!("../../tests/data/seed_200.json");

    #[test]
    fn seed_body_borrows_everything() {
        let c = decode_command(SEED).unwrap();
        assert_eq!(c.name(), Some(CommandName::Start));
        assert_eq!(c.task_id(), Some("xxxxxxxxxxxxxxxxxxxxxxxx00000001"));
        assert_eq!(c.bucket(), None);
        assert!(c.is_borrowed());
        // The task id is a slice of the body itself, not a copy.
        let body = SEED.as_ptr_range();
        assert!(body.contains(&c.task_id().unwrap().as_ptr()));
    }

    #[test]
    fn every_known_name_round_trips() {
        for n in [
            "START",
            "STOP",
            "DELETE",
            "SYNC",
            "SKIP",
            "PREMIGRATE",
            "TASK_NOT_STARTED",
            "TASK_HAS_STOPPED",
            "TASK_HAS_FINISHED",
            "UPLOAD_LOG",
            "RSET_LOG_ACL",
        ] {
            let parsed = CommandName::parse(n);
            assert!(
                !matches!(parsed, CommandName::Other(_)),
                "{n} must be named"
            );
            assert_eq!(parsed.as_str(), n);
        }
        assert_eq!(CommandName::parse("start"), CommandName::Other("start"));
        assert_eq!(CommandName::parse("REBOOT").to_string(), "REBOOT");
    }

    #[test]
    fn nothing_to_do_forms() {
        for body in [
            &br#"{}"#[..],
            br#"{"command_name":null}"#,
            br#"{"command_name":""}"#,
            br#"{"command_name":"","command_param":null}"#,
        ] {
            let c = decode_command(body).unwrap();
            assert_eq!(c.name(), None, "{}", String::from_utf8_lossy(body));
            assert_eq!(c.task_id(), None);
        }
    }

    #[test]
    fn escapes_are_unescaped_into_owned_strings() {
        let c = decode_command(
            br#"{"command_name":"ST\u0041RT","command_param":{"task_id":"a\"b\\c\n\u00e9\ud83d\ude00","bucket":"b\/1"}}"#,
        )
        .unwrap();
        assert_eq!(c.name(), Some(CommandName::Start));
        assert_eq!(c.task_id(), Some("a\"b\\c\n\u{e9}\u{1F600}"));
        assert_eq!(c.bucket(), Some("b/1"));
        assert!(!c.is_borrowed());
        let owned = c.clone().into_owned();
        assert_eq!(owned, c);
    }

    #[test]
    fn unknown_fields_and_names_are_data() {
        let c = decode_command(
            br#"{"x":[1,{"y":null}],"command_name":"NEW_THING","command_param":{"task_id":null,"bucket":"bk","z":true},"w":1.5e3}"#,
        )
        .unwrap();
        assert_eq!(c.name(), Some(CommandName::Other("NEW_THING")));
        assert_eq!(c.task_id(), None);
        assert_eq!(c.bucket(), Some("bk"));
    }

    #[test]
    fn wrong_shapes_say_what_was_expected() {
        let message = |body: &[u8]| match decode_command(body) {
            Err(Error::Decode(e)) => e.message().to_string(),
            other => panic!("{other:?}"),
        };
        assert!(message(b"[1]").contains("expected a ShowCommand object"));
        let m = message(br#"{"command_name":"START","command_param":"x"}"#);
        assert!(m.contains("expected a command_param object"), "{m}");
    }

    #[test]
    fn malformed_bodies_are_errors_with_a_position() {
        for body in [
            &b""[..],
            b"[]",
            br#"["START",{}]"#,
            b"null",
            br#"{"command_name":1}"#,
            br#"{"command_name":"START","command_param":[]}"#,
            br#"{"command_name":"START","command_param":{"task_id":7}}"#,
            br#"{"command_name":"START""#,
            br#"{"command_name":"START","command_name":"STOP"}"#,
            br#"{"command_param":{"bucket":"a","bucket":"b"}}"#,
            b"{\"command_name\":\"ST\xffRT\"}",
            br#"{"command_name":"START"} trailing"#,
            // Found by fuzzing: invalid UTF-8 inside a skipped field.
            b"{\"command_name\":\"BRAND_NEW\",\"x\":{\"a\xf1\":\"t\"}}",
            b"<html>502 Bad Gateway</html>",
        ] {
            match decode_command(body) {
                Err(Error::Decode(e)) => assert!(e.line() >= 1, "{e}"),
                other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }

    #[test]
    fn fast_path_agrees_with_the_general_path() {
        for body in [
            SEED,
            &br#"{}"#[..],
            br#" { "command_name" : null , "command_param" : null } "#,
            br#"{"command_param":{"bucket":"b","task_id":""},"command_name":""}"#,
            "{\"command_name\":\"\u{e9}t\u{e9}\"}".as_bytes(),
            br#"{"command_name":"S\u0054OP","command_param":{"task_id":"\"q\" \\ \/ \b\f\n\r\t \ud83d\ude00 \u00e9"}}"#,
        ] {
            let f = fast_path::scan(body).expect("common shape");
            let fast = Command { name: f.name, task_id: f.task_id, bucket: f.bucket };
            let general = decode_general(body).unwrap();
            assert_eq!(fast, general, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut body = br#"{"deep":"#.to_vec();
        body.extend(std::iter::repeat_n(b'[', 100_000));
        body.extend(std::iter::repeat_n(b']', 100_000));
        body.push(b'}');
        assert!(matches!(decode_command(&body), Err(Error::Decode(_))));
        // At the limit it still decodes.
        let depth = crate::limits::MAX_JSON_DEPTH - 1;
        let mut ok = br#"{"deep":"#.to_vec();
        ok.extend(std::iter::repeat_n(b'[', depth));
        ok.extend(std::iter::repeat_n(b']', depth));
        ok.extend(br#","command_name":"STOP"}"#);
        assert_eq!(decode_command(&ok).unwrap().name(), Some(CommandName::Stop));
        // One level past it fails.
        let past = depth + 1;
        let mut bad = br#"{"deep":"#.to_vec();
        bad.extend(std::iter::repeat_n(b'[', past));
        bad.extend(std::iter::repeat_n(b']', past));
        bad.extend(br#","command_name":"STOP"}"#);
        assert!(matches!(decode_command(&bad), Err(Error::Decode(_))));
    }
}
