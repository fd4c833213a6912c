//! The request pipeline every SMS call goes through: send, classify, and the
//! policy between attempts.
//!
//! The loop here owns every decision: which credentials a request goes
//! with (the keeper's, renewed when due), what the gateway's clock taught
//! us, the one re-signed request after a clock-skew rejection, the one
//! resend with renewed credentials after SMS refused them, the resend after
//! a dead pooled connection, and retries with backoff. [`send`] and
//! [`classify`] do no policy. Secrets are scrubbed once, where the error
//! leaves [`run`].

use std::thread;
use std::time::Instant;

use super::authority::Authorities;
use super::classify::{Answer, ClockHint, Expect, classify};
use super::retry::retry_wait;
use super::send::{Call, SendFailure, send};
use crate::auth::keeper::Held;
use crate::config::Config;
use crate::error::Error;

/// A successful call: the answer and how many requests it took.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) answer: Answer,
    pub(crate) attempts: u32,
}

/// One call on its way: what it sends, by when, and to whom it may turn
/// for credentials.
struct Run<'a> {
    config: &'a Config,
    call: &'a Call<'a>,
    expect: Expect,
    deadline: Instant,
    authorities: Authorities<'a>,
}

/// Runs `call` to success or to its final error, within
/// [`Config::timeout`] and [`Config::max_attempts`] requests.
pub(crate) fn run(config: &Config, call: &Call<'_>, expect: Expect) -> Result<Done, Error> {
    // The timeout is bounded when the Config is built; the fallback is a
    // guard, not a path.
    let start = Instant::now();
    let deadline = start.checked_add(config.timeout()).unwrap_or(start);
    let run = Run {
        config,
        call,
        expect,
        deadline,
        authorities: Authorities { config, deadline },
    };
    let mut tally = Tally::default();
    let outcome = loop {
        // The credentials for this request, renewed first when due. None
        // usable: nothing is sent.
        let held = match config
            .keeper()
            .current(config.clock().now(), &run.authorities)
        {
            Ok(held) => held,
            Err(e) => break Err(e),
        };
        tally.sent += 1;
        let offset_before = config.clock().offset_secs();
        let err = match attempt(&run, &held, tally.sent == 1) {
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
        match next_step(&run, &held, &mut tally, err, offset_before) {
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
                api.action = call.action;
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
    /// The source was asked for other credentials after SMS refused these.
    renewed: bool,
}

/// What the pipeline does after a failed request.
enum Next {
    /// Send again at once (re-signed with the corrected clock, or with
    /// renewed credentials).
    Resend,
    /// Send again after this wait.
    Wait(std::time::Duration),
    /// Give up with this error.
    Stop(Error),
}

/// One request: sent, judged, and what it taught about the gateway's clock.
fn attempt(run: &Run<'_>, held: &Held, first: bool) -> Result<Answer, SendFailure> {
    let config = run.config;
    let exchange = send(config, run.call, held, run.deadline, first)?;
    let received_at = exchange.received_at;
    let verdict = classify(exchange, run.expect, config.clock().now());
    learn(config, held, verdict.clock, received_at);
    verdict.outcome.map_err(SendFailure::Failed)
}

/// The policy after a failure: re-sign once when the clock was corrected,
/// renew once when SMS refused the credentials themselves, retry what is
/// retryable (and cannot double an effect) with backoff within the
/// deadline, or stop.
fn next_step(
    run: &Run<'_>,
    held: &Held,
    tally: &mut Tally,
    mut err: Error,
    offset_before: i64,
) -> Next {
    let config = run.config;
    let offset_now = config.clock().offset_secs();
    let mut about_the_clock = offset_now != offset_before;
    if let Error::Api(api) = &mut err {
        if api.is_signature_expired() {
            api.clock_skew = Some(offset_now);
            about_the_clock = true;
        }
    }
    if tally.sent >= config.max_attempts() {
        return Next::Stop(err);
    }
    // Re-sign once when the gateway refused our date and the clock learned
    // from it (its own time, or dropping an offset a Date had taught).
    let refused = matches!(err.status(), Some(401 | 403));
    if refused && !tally.resigned && offset_now != offset_before && held.credentials.is_signing() {
        tally.resigned = true;
        return Next::Resend;
    }
    // SMS refused the credentials themselves (a 401 not about the clock: a
    // revoked key, an expired token): a source that renews them is asked
    // once, and the request resent once with what it gives. Never more:
    // five failed authentications lock an AK.
    if err.status() == Some(401) && !about_the_clock && !tally.renewed {
        tally.renewed = true;
        let now = config.clock().now();
        if config
            .keeper()
            .renew_after_refusal(held, now, &run.authorities)
            .is_some()
        {
            return Next::Resend;
        }
    }
    if !err.is_retryable() || !(run.call.idempotent || err.before_sending()) {
        return Next::Stop(err);
    }
    tally.retries += 1;
    let wait = retry_wait(tally.retries, err.as_api().and_then(|a| a.retry_after()));
    let late = Instant::now()
        .checked_add(wait)
        .is_none_or(|at| at >= run.deadline);
    if late {
        return Next::Stop(err);
    }
    Next::Wait(wait)
}

fn learn(config: &Config, held: &Held, hint: ClockHint, received_at: i64) {
    let clock = config.clock();
    match hint {
        ClockHint::Nothing => {}
        ClockHint::Date(d) => clock.learn_from_date(d, received_at),
        ClockHint::Rejection { server_time, date } => {
            clock.learn_from_rejection(server_time, date, received_at)
        }
        // Only a signature carries a date the gateway could refuse.
        ClockHint::Refused { date } if held.credentials.is_signing() => {
            clock.relearn_after_refusal(date, received_at);
        }
        ClockHint::Refused { .. } => {}
    }
}
