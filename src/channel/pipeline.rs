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
use super::retry::backoff;
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
    let deadline = Instant::now() + config.timeout();
    let mut sent = 0;
    let mut retries = 0;
    let mut resigned = false;
    let outcome = loop {
        sent += 1;
        let offset_before = config.clock().offset_secs();
        let mut err = match send(config, call, deadline, sent == 1) {
            Ok(exchange) => {
                let received_at = exchange.received_at;
                let verdict = classify(exchange, expect, config.clock().now());
                learn(config, verdict.clock, received_at);
                match verdict.outcome {
                    Ok(answer) => break Ok(answer),
                    Err(e) => e,
                }
            }
            // Not a backoff retry: the connection was dead, not the server busy.
            Err(SendFailure::DeadConnection(_)) if sent < config.max_attempts() => continue,
            Err(SendFailure::DeadConnection(e) | SendFailure::Failed(e)) => e,
        };
        let offset_now = config.clock().offset_secs();
        if let Error::Api(api) = &mut err {
            if api.is_signature_expired() {
                api.clock_skew = Some(offset_now);
            }
        }
        if sent >= config.max_attempts() {
            break Err(err);
        }
        // Re-sign once when the gateway rejected our date and told us its own.
        let expired = err.as_api().is_some_and(|a| a.is_signature_expired());
        if expired && !resigned && offset_now != offset_before && config.credentials().is_signing()
        {
            resigned = true;
            continue;
        }
        if !err.is_retryable() {
            break Err(err);
        }
        retries += 1;
        let wait = err
            .as_api()
            .and_then(|a| a.retry_after())
            .unwrap_or_else(|| backoff(retries));
        if Instant::now() + wait >= deadline {
            break Err(err);
        }
        thread::sleep(wait);
    };
    match outcome {
        Ok(answer) => Ok(Done {
            answer,
            attempts: sent,
        }),
        Err(mut e) => {
            e.set_attempts(sent);
            if let Error::Api(api) = &mut e {
                api.action = Some(call.action);
            }
            e.scrub_foreign(&config.secrets());
            Err(e)
        }
    }
}

fn learn(config: &Config, hint: ClockHint, received_at: i64) {
    let clock = config.clock();
    match hint {
        ClockHint::Nothing => {}
        ClockHint::Date(d) => clock.learn_from_date(d, received_at),
        ClockHint::Rejection { server_time, date } => {
            clock.learn_from_rejection(server_time, date, received_at)
        }
    }
}
