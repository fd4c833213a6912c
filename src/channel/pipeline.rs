//! The request pipeline every SMS call goes through: send, classify, and the
//! policy between attempts.
//!
//! The loop here owns every decision: what the gateway's clock taught us,
//! the one re-signed request after a clock-skew rejection, the resend after
//! a dead pooled connection, and retries with backoff. [`send`] and
//! [`classify`] do no policy. Secrets are scrubbed once, where the error
//! leaves [`run`].

use std::thread;
use std::time::Instant;

use super::classify::{Answer, ClockHint, Expect, classify};
use super::retry::retry_wait;
use super::send::{Call, SendFailure, send};
use crate::config::Config;
use crate::error::Error;

/// A successful call: the answer and how many requests it took.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) answer: Answer,
    pub(crate) attempts: u32,
}

/// Runs `call` to success or to its final error, within
/// [`Config::timeout`] and [`Config::max_attempts`] requests.
pub(crate) fn run(config: &Config, call: &Call<'_>, expect: Expect) -> Result<Done, Error> {
    // The timeout is bounded when the Config is built; the fallback is a
    // guard, not a path.
    let start = Instant::now();
    let deadline = start.checked_add(config.timeout()).unwrap_or(start);
    let mut tally = Tally::default();
    let outcome = loop {
        tally.sent += 1;
        let offset_before = config.clock().offset_secs();
        let err = match attempt(config, call, expect, deadline, tally.sent == 1) {
            Ok(answer) => break Ok(answer),
            // Not a backoff retry: the connection was dead, not the server
            // busy. Resent only when sending twice cannot double an effect.
            Err(SendFailure::DeadConnection(_))
                if call.idempotent && tally.sent < config.max_attempts() =>
            {
                continue;
            }
            Err(SendFailure::DeadConnection(e) | SendFailure::Failed(e)) => e,
        };
        match next_step(config, call, &mut tally, err, offset_before, deadline) {
            Next::Resend => {}
            Next::Wait(wait) => thread::sleep(wait),
            Next::Stop(err) => break Err(err),
        }
    };
    match outcome {
        Ok(answer) => Ok(Done {
            answer,
            attempts: tally.sent,
        }),
        Err(mut e) => {
            e.set_attempts(tally.sent);
            if let Error::Api(api) = &mut e {
                api.action = Some(call.action);
            }
            e.scrub_foreign(&config.secrets());
            Err(e)
        }
    }
}

/// What a call has done so far.
#[derive(Default)]
struct Tally {
    /// Requests sent.
    sent: u32,
    /// Retries after retryable failures.
    retries: u32,
    /// The one re-signed request after a clock correction was sent.
    resigned: bool,
}

/// What the pipeline does after a failed request.
enum Next {
    /// Send again at once (re-signed with the corrected clock).
    Resend,
    /// Send again after this wait.
    Wait(std::time::Duration),
    /// Give up with this error.
    Stop(Error),
}

/// One request: sent, judged, and what it taught about the gateway's clock.
fn attempt(
    config: &Config,
    call: &Call<'_>,
    expect: Expect,
    deadline: Instant,
    first: bool,
) -> Result<Answer, SendFailure> {
    let exchange = send(config, call, deadline, first)?;
    let received_at = exchange.received_at;
    let verdict = classify(exchange, expect, config.clock().now());
    learn(config, verdict.clock, received_at);
    verdict.outcome.map_err(SendFailure::Failed)
}

/// The policy after a failure: re-sign once when the clock was corrected,
/// retry what is retryable (and cannot double an effect) with backoff
/// within the deadline, or stop.
fn next_step(
    config: &Config,
    call: &Call<'_>,
    tally: &mut Tally,
    mut err: Error,
    offset_before: i64,
    deadline: Instant,
) -> Next {
    let offset_now = config.clock().offset_secs();
    if let Error::Api(api) = &mut err {
        if api.is_signature_expired() {
            api.clock_skew = Some(offset_now);
        }
    }
    if tally.sent >= config.max_attempts() {
        return Next::Stop(err);
    }
    // Re-sign once when the gateway refused our date and the clock learned
    // from it (its own time, or dropping an offset a Date had taught).
    let refused = matches!(err.status(), Some(401 | 403));
    if refused
        && !tally.resigned
        && offset_now != offset_before
        && config.credentials().is_signing()
    {
        tally.resigned = true;
        return Next::Resend;
    }
    if !err.is_retryable() || !(call.idempotent || err.before_sending()) {
        return Next::Stop(err);
    }
    tally.retries += 1;
    let wait = retry_wait(tally.retries, err.as_api().and_then(|a| a.retry_after()));
    let late = Instant::now()
        .checked_add(wait)
        .is_none_or(|at| at >= deadline);
    if late {
        return Next::Stop(err);
    }
    Next::Wait(wait)
}

fn learn(config: &Config, hint: ClockHint, received_at: i64) {
    let clock = config.clock();
    match hint {
        ClockHint::Nothing => {}
        ClockHint::Date(d) => clock.learn_from_date(d, received_at),
        ClockHint::Rejection { server_time, date } => {
            clock.learn_from_rejection(server_time, date, received_at)
        }
        // Only a signature carries a date the gateway could refuse.
        ClockHint::Refused { date } if config.credentials().is_signing() => {
            clock.relearn_after_refusal(date, received_at);
        }
        ClockHint::Refused { .. } => {}
    }
}
