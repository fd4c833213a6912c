//! What an answer means: success, an API error, a redirect, or a body cut
//! short. Pure: it reads the [`Exchange`] and returns a verdict plus what
//! the answer says about the gateway's clock; acting on either is the
//! pipeline's job.

use super::retry::parse_retry_after;
use super::send::Exchange;
use crate::error::{ApiError, Error, Redirect, TransportError, TransportKind};
use crate::wire::command::{CommandSpans, decode_command};
use crate::wire::date::parse_server_time;

/// What a 2xx body must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A ShowCommand body (204 or an empty-ish answer counts as "nothing to do").
    Command,
    /// Anything: every 2xx is success, whatever its body.
    AnyBody,
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    pub(crate) body: Vec<u8>,
    /// For a ShowCommand answer: where its command lies in `body`.
    pub(crate) command: Option<CommandSpans>,
}

/// What an answer says about the gateway's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockHint {
    Nothing,
    /// An ordinary answer's `Date`.
    Date(i64),
    /// A "signature expired" rejection: the signature checker's own time
    /// when the message gives it, and the answer's `Date`.
    Rejection {
        server_time: Option<i64>,
        date: Option<i64>,
    },
    /// Any other 401 or 403, and its `Date`: a gateway that refuses a date
    /// it finds wrong does not always say so.
    Refused {
        date: Option<i64>,
    },
}

/// The verdict on one answer.
#[derive(Debug)]
pub(crate) struct Verdict {
    pub(crate) outcome: Result<Answer, Error>,
    pub(crate) clock: ClockHint,
}

/// Judges `ex`. `gateway_now` (Unix seconds) dates a `Retry-After` given as
/// an HTTP date when the answer has no `Date` of its own.
pub(crate) fn classify(ex: Exchange, expect: Expect, gateway_now: i64) -> Verdict {
    let status = ex.status;
    // A 401/403 may be a "signature expired" rejection, whose body teaches
    // the clock; its Date alone is not trusted over that.
    let mut clock = match ex.date {
        Some(d) if status != 401 && status != 403 => ClockHint::Date(d),
        _ => ClockHint::Nothing,
    };
    // Only a 3xx that points somewhere is a redirect; a 304 (or any 3xx
    // without a Location) is just a status this API never sends.
    let outcome = if (300..400).contains(&status) && ex.location.is_some() {
        Err(Error::Redirect(Box::new(Redirect {
            status,
            location: ex.location,
            request_id: ex.request_id,
        })))
    } else if (200..300).contains(&status) {
        success(ex, expect)
    } else {
        let mut api = ApiError::parse(status, &ex.body);
        api.set_request_id(ex.request_id);
        let now = ex.date.unwrap_or(gateway_now);
        api.retry_after = ex.retry_after.and_then(|v| parse_retry_after(&v, now));
        if api.is_signature_expired() {
            clock = ClockHint::Rejection {
                server_time: api.error_msg().and_then(parse_server_time),
                date: ex.date,
            };
        } else if matches!(status, 401 | 403) {
            clock = ClockHint::Refused { date: ex.date };
        }
        Err(Error::Api(Box::new(api)))
    };
    Verdict { outcome, clock }
}

fn success(ex: Exchange, expect: Expect) -> Result<Answer, Error> {
    let mut command = None;
    // No body at all (a 204, or an empty 200) means "nothing to do".
    let empty = ex.status == 204 || ex.body.iter().all(u8::is_ascii_whitespace);
    if expect == Expect::Command && !empty {
        match decode_command(&ex.body) {
            Ok(c) => command = Some(CommandSpans::of(&c, &ex.body)),
            Err(err) => {
                return Err(match err {
                    // Without framing, a body the server's close cut short looks
                    // complete to HTTP; the JSON shows it was not.
                    Error::Decode(d) if d.is_eof() && ex.close_delimited => {
                        Error::Transport(Box::new(TransportError::new(
                            TransportKind::Reset,
                            format!(
                                "the connection closed after {} bytes of the answer, before its end",
                                ex.body.len()
                            ),
                            true,
                        )))
                    }
                    other => other,
                });
            }
        }
    }
    Ok(Answer {
        status: ex.status,
        request_id: ex.request_id,
        body: ex.body,
        command,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: u16, body: &str) -> Exchange {
        Exchange {
            status,
            date: Some(1_000),
            received_at: 990,
            request_id: Some("rid".into()),
            retry_after: None,
            location: None,
            close_delimited: false,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn truncated_close_delimited_body_is_a_retryable_reset() {
        let cut = r#"{"command_name":"STA"#;
        let mut ex = exchange(200, cut);
        ex.close_delimited = true;
        let err = classify(ex, Expect::Command, 0).outcome.unwrap_err();
        assert!(err.is_retryable(), "{err}");
        assert!(
            matches!(&err, Error::Transport(t) if t.kind() == TransportKind::Reset),
            "{err:?}"
        );
        assert!(!err.to_string().contains("may not be SMS"), "{err}");
        // With a Content-Length the server said that was all: a bad body.
        let err = classify(exchange(200, cut), Expect::Command, 0)
            .outcome
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
    }

    #[test]
    fn an_empty_200_is_nothing_to_do() {
        for body in ["", " \r\n"] {
            let answer = classify(exchange(200, body), Expect::Command, 0)
                .outcome
                .unwrap();
            assert_eq!(answer.command, None);
            assert_eq!(answer.status, 200);
        }
    }

    #[test]
    fn a_3xx_without_location_is_no_redirect() {
        let err = classify(exchange(304, ""), Expect::Command, 0)
            .outcome
            .unwrap_err();
        assert!(
            matches!(&err, Error::Api(a) if a.status() == 304),
            "{err:?}"
        );
        assert!(!err.to_string().contains("Location"), "{err}");
        assert!(!err.to_string().contains("redirect"), "{err}");
        let mut ex = exchange(302, "");
        ex.location = Some("https://elsewhere.example/".into());
        let err = classify(ex, Expect::Command, 0).outcome.unwrap_err();
        assert!(matches!(err, Error::Redirect(_)), "{err:?}");
    }

    #[test]
    fn any_2xx_body_is_success_for_reports() {
        for (status, body) in [(200, "\"success\""), (200, ""), (204, ""), (201, "<html>")] {
            let v = classify(exchange(status, body), Expect::AnyBody, 0);
            assert_eq!(v.outcome.unwrap().status, status);
            assert_eq!(v.clock, ClockHint::Date(1_000));
        }
    }

    #[test]
    fn signature_expired_teaches_the_clock_and_401_dates_do_not() {
        let body = r#"{"error_code":"APIG.0303","error_msg":"signature expired, signature time: 20261128T093015Z, server time: 20261128T095015Z"}"#;
        let v = classify(exchange(401, body), Expect::Command, 0);
        assert!(matches!(
            v.clock,
            ClockHint::Rejection {
                server_time: Some(_),
                date: Some(1_000)
            }
        ));
        let v = classify(exchange(401, "{}"), Expect::Command, 0);
        assert_eq!(v.clock, ClockHint::Refused { date: Some(1_000) });
    }

    #[test]
    fn retry_after_date_counts_from_the_answer_date() {
        let mut ex = exchange(503, "");
        ex.date = Some(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        ex.retry_after = Some("Sun, 06 Nov 1994 08:49:47 GMT".into());
        let err = classify(ex, Expect::Command, 0).outcome.unwrap_err();
        assert_eq!(
            err.as_api().unwrap().retry_after(),
            Some(std::time::Duration::from_secs(10))
        );
    }
}
