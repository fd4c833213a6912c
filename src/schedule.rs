//! When a poller sends its next request: a pure function of what happened
//! last and a random draw, so it can be tested over simulated time.
//!
//! - After an answer: the poll interval, jittered by ±20% so that agents
//!   started together drift apart.
//! - After a retryable failure: exponential backoff with full jitter, uniform
//!   in `[0, min(cap, interval × 2^(n−1))]` for the n-th failure in a row,
//!   but never sooner than a `Retry-After` asked for. Thousands of agents
//!   that failed together during an outage thus come back spread out.
//! - After a 401 or 403: at least the auth pause. The gateway locks an AK/SK
//!   for 5 minutes after more than 5 failed authentications in a row, so a
//!   poller must not keep knocking.

use std::time::Duration;

use crate::error::Error;

/// Default time between polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// Default longest wait after failures in a row.
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(300);
/// Default shortest wait after a 401 or 403.
pub const DEFAULT_AUTH_PAUSE: Duration = Duration::from_secs(300);

/// How a [`Poller`](crate::Poller) paces its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct PollSchedule {
    interval: Duration,
    backoff_cap: Duration,
    auth_pause: Duration,
}

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            interval: DEFAULT_POLL_INTERVAL,
            backoff_cap: DEFAULT_BACKOFF_CAP,
            auth_pause: DEFAULT_AUTH_PAUSE,
        }
    }
}

/// What the last request ended with, as far as pacing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollEvent {
    /// An answer (a command or "nothing to do").
    Answered,
    /// A retryable failure: the `consecutive`-th in a row (1 for the first),
    /// with the server's `Retry-After` if it sent one.
    Failed {
        /// Failures in a row, this one included.
        consecutive: u32,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// A 401 or 403: the credentials or permissions are wrong.
    AuthRejected,
}

impl PollEvent {
    /// Classifies a failed call, the `consecutive`-th failure in a row.
    pub fn from_error(err: &Error, consecutive: u32) -> PollEvent {
        match err.status() {
            Some(401 | 403) => PollEvent::AuthRejected,
            _ => PollEvent::Failed {
                consecutive,
                retry_after: err.as_api().and_then(|a| a.retry_after()),
            },
        }
    }
}

impl PollSchedule {
    /// Time between polls while all is well; each wait is jittered by ±20%.
    ///
    /// Defaults to 15 s.
    pub fn interval(mut self, v: Duration) -> Self {
        self.interval = v;
        self
    }

    /// Longest wait after failures in a row.
    ///
    /// Defaults to 5 minutes.
    pub fn backoff_cap(mut self, v: Duration) -> Self {
        self.backoff_cap = v;
        self
    }

    /// Shortest wait after a 401 or 403 before the next request.
    ///
    /// Defaults to 5 minutes, the gateway's lock-out time for an AK/SK.
    pub fn auth_pause(mut self, v: Duration) -> Self {
        self.auth_pause = v;
        self
    }

    /// The poll interval.
    pub fn poll_interval(&self) -> Duration {
        self.interval
    }
    /// The backoff cap.
    pub fn max_backoff(&self) -> Duration {
        self.backoff_cap
    }
    /// The auth pause.
    pub fn min_auth_pause(&self) -> Duration {
        self.auth_pause
    }

    /// Checks the values: a zero interval would poll in a busy loop.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.interval.is_zero() {
            return Err(Error::config("the poll interval must be greater than zero"));
        }
        if self.backoff_cap < self.interval {
            return Err(Error::config(
                "the backoff cap must be at least the poll interval",
            ));
        }
        Ok(())
    }

    /// The wait before the next request after `event`; `unit` is a uniform
    /// random draw in `[0, 1]`.
    pub fn wait_after(&self, event: PollEvent, unit: f64) -> Duration {
        let unit = unit.clamp(0.0, 1.0);
        match event {
            PollEvent::Answered => self.interval.mul_f64(0.8 + 0.4 * unit),
            PollEvent::Failed {
                consecutive,
                retry_after,
            } => {
                let doublings = consecutive.saturating_sub(1).min(31);
                let ceiling = self
                    .interval
                    .saturating_mul(1u32 << doublings)
                    .min(self.backoff_cap);
                ceiling.mul_f64(unit).max(retry_after.unwrap_or_default())
            }
            PollEvent::AuthRejected => self.auth_pause + self.interval.mul_f64(unit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_back() {
        let s = PollSchedule::default()
            .interval(Duration::from_secs(7))
            .backoff_cap(Duration::from_secs(70))
            .auth_pause(Duration::from_secs(700));
        assert_eq!(
            (s.poll_interval(), s.max_backoff(), s.min_auth_pause()),
            (
                Duration::from_secs(7),
                Duration::from_secs(70),
                Duration::from_secs(700)
            )
        );
    }

    #[test]
    fn answered_waits_the_interval_within_twenty_percent() {
        let s = PollSchedule::default().interval(Duration::from_secs(10));
        assert_eq!(
            s.wait_after(PollEvent::Answered, 0.0),
            Duration::from_secs(8)
        );
        assert_eq!(
            s.wait_after(PollEvent::Answered, 0.5),
            Duration::from_secs(10)
        );
        assert_eq!(
            s.wait_after(PollEvent::Answered, 1.0),
            Duration::from_secs(12)
        );
    }

    #[test]
    fn failures_back_off_from_the_interval_to_the_cap() {
        let s = PollSchedule::default()
            .interval(Duration::from_secs(10))
            .backoff_cap(Duration::from_secs(300));
        let top = |n| {
            s.wait_after(
                PollEvent::Failed {
                    consecutive: n,
                    retry_after: None,
                },
                1.0,
            )
        };
        let expected = [10, 20, 40, 80, 160, 300, 300];
        for (n, secs) in (1..).zip(expected) {
            assert_eq!(top(n), Duration::from_secs(secs), "failure {n}");
        }
        assert_eq!(top(u32::MAX), Duration::from_secs(300));
        // Full jitter: the draw scales the whole step, down to zero.
        let low = s.wait_after(
            PollEvent::Failed {
                consecutive: 3,
                retry_after: None,
            },
            0.25,
        );
        assert_eq!(low, Duration::from_secs(10));
        let zero = s.wait_after(
            PollEvent::Failed {
                consecutive: 3,
                retry_after: None,
            },
            0.0,
        );
        assert_eq!(zero, Duration::ZERO);
    }

    #[test]
    fn retry_after_is_a_floor() {
        let s = PollSchedule::default().interval(Duration::from_secs(10));
        let e = PollEvent::Failed {
            consecutive: 1,
            retry_after: Some(Duration::from_secs(42)),
        };
        assert_eq!(s.wait_after(e, 0.0), Duration::from_secs(42));
        assert_eq!(s.wait_after(e, 1.0), Duration::from_secs(42));
    }

    #[test]
    fn auth_rejection_waits_at_least_the_pause() {
        let s = PollSchedule::default().interval(Duration::from_secs(10));
        assert_eq!(
            s.wait_after(PollEvent::AuthRejected, 0.0),
            Duration::from_secs(300)
        );
        assert_eq!(
            s.wait_after(PollEvent::AuthRejected, 1.0),
            Duration::from_secs(310)
        );
    }

    #[test]
    fn events_from_errors() {
        use crate::ApiError;
        let e401 = Error::from(ApiError::parse(401, b""));
        assert_eq!(PollEvent::from_error(&e401, 1), PollEvent::AuthRejected);
        let e403 = Error::from(ApiError::parse(403, b""));
        assert_eq!(PollEvent::from_error(&e403, 2), PollEvent::AuthRejected);
        let e503 = Error::from(ApiError::parse(503, b""));
        assert_eq!(
            PollEvent::from_error(&e503, 4),
            PollEvent::Failed {
                consecutive: 4,
                retry_after: None
            }
        );
    }

    #[test]
    fn zero_interval_and_low_cap_are_rejected() {
        assert!(
            PollSchedule::default()
                .interval(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert!(
            PollSchedule::default()
                .interval(Duration::from_secs(10))
                .backoff_cap(Duration::from_secs(5))
                .validate()
                .is_err()
        );
        assert!(PollSchedule::default().validate().is_ok());
        // A cap equal to the interval is allowed: a fixed-interval poller.
        let fixed = PollSchedule::default()
            .interval(Duration::from_secs(30))
            .backoff_cap(Duration::from_secs(30));
        assert!(fixed.validate().is_ok());
    }
}
