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

use crate::channel::retry::{full_jitter, scale, unit_or_full};
use crate::config::duration_in_range;
use crate::error::Error;
use crate::limits::{DEFAULT_AUTH_PAUSE, DEFAULT_BACKOFF_CAP, DEFAULT_POLL_INTERVAL};

/// How a [`Poller`](crate::Poller) paces its requests. Built (and checked)
/// by [`PollSchedule::builder`]; the default is a 15 s interval, a 5-minute
/// backoff cap and a 5-minute pause after a 401 or 403.
///
/// ```
/// use std::time::Duration;
/// use hwsms::PollSchedule;
///
/// let schedule = PollSchedule::builder()
///     .interval(Duration::from_secs(2))
///     .build()?;
/// assert_eq!(schedule.interval(), Duration::from_secs(2));
/// assert_eq!(schedule.backoff_cap(), Duration::from_secs(300));
/// # Ok::<_, hwsms::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// A builder starting from the defaults.
    pub fn builder() -> PollScheduleBuilder {
        PollScheduleBuilder::default()
    }

    /// Time between polls while all is well; each wait is jittered by ±20%.
    pub fn interval(&self) -> Duration {
        self.interval
    }
    /// Longest wait after failures in a row.
    pub fn backoff_cap(&self) -> Duration {
        self.backoff_cap
    }
    /// Shortest wait after a 401 or 403 before the next request.
    pub fn auth_pause(&self) -> Duration {
        self.auth_pause
    }

    /// The wait before the next request after `event`; `unit` is a uniform
    /// random draw in `[0, 1]` (clamped; one that is not a number counts as 1).
    pub fn wait_after(&self, event: PollEvent, unit: f64) -> Duration {
        let unit = unit_or_full(unit);
        match event {
            PollEvent::Answered => scale(self.interval, 0.8 + 0.4 * unit),
            PollEvent::Failed {
                consecutive,
                retry_after,
            } => full_jitter(self.interval, self.backoff_cap, consecutive, unit)
                .max(retry_after.unwrap_or_default()),
            PollEvent::AuthRejected => self.auth_pause.saturating_add(scale(self.interval, unit)),
        }
    }
}

/// Builds a [`PollSchedule`]; [`build`](Self::build) checks the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
pub struct PollScheduleBuilder {
    interval: Option<Duration>,
    backoff_cap: Option<Duration>,
    auth_pause: Option<Duration>,
}

impl PollScheduleBuilder {
    /// Time between polls while all is well; each wait is jittered by ±20%.
    ///
    /// Defaults to 15 s.
    pub fn interval(mut self, v: Duration) -> Self {
        self.interval = Some(v);
        self
    }

    /// Longest wait after failures in a row; at least the interval.
    ///
    /// Defaults to 5 minutes, or the interval when that is longer.
    pub fn backoff_cap(mut self, v: Duration) -> Self {
        self.backoff_cap = Some(v);
        self
    }

    /// Shortest wait after a 401 or 403 before the next request.
    ///
    /// Defaults to 5 minutes, the gateway's lock-out time for an AK/SK.
    pub fn auth_pause(mut self, v: Duration) -> Self {
        self.auth_pause = Some(v);
        self
    }

    /// Checks the values and builds the schedule.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a zero interval (it would poll in a busy loop),
    /// a backoff cap set below the interval, or any value beyond a day
    /// ([`MAX_DURATION`](crate::limits::MAX_DURATION)).
    pub fn build(self) -> Result<PollSchedule, Error> {
        let interval = self.interval.unwrap_or(DEFAULT_POLL_INTERVAL);
        duration_in_range("the poll interval", interval, false)?;
        if let Some(cap) = self.backoff_cap {
            duration_in_range("the backoff cap", cap, false)?;
        }
        let auth_pause = self.auth_pause.unwrap_or(DEFAULT_AUTH_PAUSE);
        duration_in_range("the auth pause", auth_pause, true)?;
        // An interval longer than the default cap takes the cap along when
        // the cap was not chosen; a cap chosen below the interval is a mistake.
        let backoff_cap = match self.backoff_cap {
            Some(cap) if cap < interval => {
                return Err(Error::config(format!(
                    "the backoff cap ({cap:?}) must be at least the poll interval ({interval:?})"
                )));
            }
            Some(cap) => cap,
            None => DEFAULT_BACKOFF_CAP.max(interval),
        };
        Ok(PollSchedule {
            interval,
            backoff_cap,
            auth_pause,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(interval: u64, cap: u64) -> PollSchedule {
        PollSchedule::builder()
            .interval(Duration::from_secs(interval))
            .backoff_cap(Duration::from_secs(cap))
            .build()
            .unwrap()
    }

    #[test]
    fn settings_read_back() {
        let s = PollSchedule::builder()
            .interval(Duration::from_secs(7))
            .backoff_cap(Duration::from_secs(70))
            .auth_pause(Duration::from_secs(700))
            .build()
            .unwrap();
        assert_eq!(
            (s.interval(), s.backoff_cap(), s.auth_pause()),
            (
                Duration::from_secs(7),
                Duration::from_secs(70),
                Duration::from_secs(700)
            )
        );
        assert_eq!(
            PollSchedule::builder().build().unwrap(),
            PollSchedule::default()
        );
    }

    #[test]
    fn answered_waits_the_interval_within_twenty_percent() {
        let s = schedule(10, 300);
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
        let s = schedule(10, 300);
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
        let failed3 = PollEvent::Failed {
            consecutive: 3,
            retry_after: None,
        };
        assert_eq!(s.wait_after(failed3, 0.25), Duration::from_secs(10));
        assert_eq!(s.wait_after(failed3, 0.0), Duration::ZERO);
        assert_eq!(s.wait_after(failed3, f64::NAN), Duration::from_secs(40));
    }

    #[test]
    fn retry_after_is_a_floor() {
        let s = schedule(10, 300);
        let e = PollEvent::Failed {
            consecutive: 1,
            retry_after: Some(Duration::from_secs(42)),
        };
        assert_eq!(s.wait_after(e, 0.0), Duration::from_secs(42));
        assert_eq!(s.wait_after(e, 1.0), Duration::from_secs(42));
    }

    #[test]
    fn auth_rejection_waits_at_least_the_pause() {
        let s = schedule(10, 300);
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
        use crate::error::ApiError;
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
        let b = PollSchedule::builder;
        assert!(b().interval(Duration::ZERO).build().is_err());
        let low = b()
            .interval(Duration::from_secs(10))
            .backoff_cap(Duration::from_secs(5))
            .build()
            .unwrap_err();
        assert!(
            low.to_string().contains("at least the poll interval"),
            "{low}"
        );
        // A cap equal to the interval is allowed: a fixed-interval poller.
        let fixed = schedule(30, 30);
        assert_eq!(fixed.backoff_cap(), Duration::from_secs(30));
    }

    #[test]
    fn extreme_values_are_refused_or_saturate() {
        let b = PollSchedule::builder;
        for r in [
            b().interval(Duration::MAX).build(),
            b().backoff_cap(Duration::MAX).build(),
            b().auth_pause(Duration::MAX).build(),
            b().backoff_cap(Duration::ZERO).build(),
        ] {
            assert!(matches!(r, Err(Error::Config(_))), "{r:?}");
        }
        let longest = crate::limits::MAX_DURATION;
        let s = b()
            .interval(longest)
            .backoff_cap(longest)
            .auth_pause(longest)
            .build()
            .unwrap();
        // The longest values and the oddest draws still give a wait.
        for unit in [0.0, 1.0, f64::NAN, f64::INFINITY, -1.0] {
            for event in [
                PollEvent::Answered,
                PollEvent::AuthRejected,
                PollEvent::Failed {
                    consecutive: u32::MAX,
                    retry_after: Some(Duration::MAX),
                },
            ] {
                let wait = s.wait_after(event, unit);
                assert!(wait >= Duration::ZERO);
            }
        }
        assert_eq!(s.wait_after(PollEvent::AuthRejected, 1.0), longest * 2);
    }

    #[test]
    fn an_interval_past_the_default_cap_takes_the_cap_along() {
        let s = PollSchedule::builder()
            .interval(Duration::from_secs(600))
            .build()
            .unwrap();
        assert_eq!(s.backoff_cap(), Duration::from_secs(600));
        let s = PollSchedule::builder()
            .interval(Duration::from_secs(2))
            .build()
            .unwrap();
        assert_eq!(s.backoff_cap(), DEFAULT_BACKOFF_CAP);
    }
}
