//! `Poller`: asks SMS for commands for one server, for as long as the agent
//! runs, and paces itself by [`PollSchedule`].

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::schedule::{PollEvent, PollSchedule};
use super::stop::StopSignal;
use crate::calls::fetch::fetch_command;
use crate::channel::retry::random_unit;
use crate::config::Config;
use crate::error::Error;
use crate::limits::MAX_DURATION;
use crate::wire::command::Command;
use crate::wire::server_id::ServerId;

/// What [`Poller::next`] returns when it does not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    /// A command to run (never "nothing to do"), detached from the body.
    Command(Command<'static>),
    /// [`PollerHandle::stop`] was called.
    Stopped,
}

/// A snapshot of a poller's health, for another thread to watch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollerStatus {
    /// Failures since the last answer (0 when the last request was answered).
    pub consecutive_failures: u32,
    /// The last failure's message (secrets removed), until an answer clears it.
    pub last_error: Option<String>,
    /// When SMS last answered (a command or "nothing to do").
    pub last_success: Option<SystemTime>,
    /// Requests made so far (calls to SMS, each possibly retried inside).
    pub polls: u64,
}

/// A handle on a [`Poller`]: stop it and watch it from any thread.
///
/// Cloneable, `Send` and `Sync`. [`stop`](Self::stop) is async-signal-safe.
#[derive(Debug, Clone)]
pub struct PollerHandle {
    stop: StopSignal,
    status: Arc<Mutex<PollerStatus>>,
    schedule: Arc<Mutex<PollSchedule>>,
}

impl PollerHandle {
    /// Stops the poller: a waiting [`Poller::next`] wakes at once (well
    /// within 100 ms) and returns [`Polled::Stopped`]; one that is in the
    /// middle of a request returns `Stopped` when that request ends (at most
    /// the config's [`timeout`](Config::timeout) later), even when the
    /// answer carried a command: an agent that is shutting down is not
    /// handed work. That command's result is never reported by this run.
    /// Every later `next` returns `Stopped` at once.
    ///
    /// Safe to call from a signal handler: it is an atomic store and one
    /// non-blocking `write(2)`.
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// Replaces the schedule, from any thread, while [`Poller::next`] may
    /// be running: the next wait it computes follows the new one. Takes a
    /// short lock: not for signal handlers.
    pub fn set_schedule(&self, schedule: PollSchedule) {
        *self.schedule.lock().unwrap_or_else(PoisonError::into_inner) = schedule;
    }

    /// The schedule in use.
    pub fn schedule(&self) -> PollSchedule {
        *self.schedule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// True once [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.stop.is_stopped()
    }

    /// The poller's health now. Takes a lock: not for signal handlers.
    pub fn status(&self) -> PollerStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Polls ShowCommand for one server until a command arrives.
///
/// - Answers with nothing to do are swallowed; the next poll follows after
///   the [interval](PollSchedule::interval), jittered.
/// - Retryable failures (network, timeouts, 429, 5xx) are never returned:
///   the poller backs off (exponential, full jitter, up to the
///   [cap](PollSchedule::backoff_cap), honouring `Retry-After`) and keeps
///   polling. [`PollerHandle::status`] shows them.
/// - Other failures (401, 403, 404, an undecodable body) are returned. After
///   a 401 or 403, the poller sends nothing before the
///   [auth pause](PollSchedule::auth_pause) has passed, even when `next` is
///   called again at once: the gateway locks an AK/SK after repeated
///   authentication failures.
///
/// ```no_run
/// use hwsms::{Config, Polled, Poller};
///
/// let config = Config::from_env()?;
/// let mut poller = Poller::new(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")?;
/// let handle = poller.handle(); // give this to a signal handler or another thread
/// # handle.stop();
/// loop {
///     match poller.next() {
///         Ok(Polled::Command(command)) => println!("run {:?}", command.name()),
///         Ok(Polled::Stopped) => break,
///         Err(e) => eprintln!("needs attention: {e}"),
///     }
/// }
/// # Ok::<_, hwsms::Error>(())
/// ```
pub struct Poller {
    config: Config,
    server_id: String,
    handle: PollerHandle,
    /// The earliest time the next request may go out.
    not_before: Option<Instant>,
    on_retryable_error: Option<RetryObserver>,
}

/// Called with each retryable failure and the wait before the next poll.
type RetryObserver = Box<dyn FnMut(&Error, Duration) + Send>;

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("server_id", &self.server_id)
            .field("schedule", &self.handle.schedule())
            .field("status", &self.handle.status())
            .finish_non_exhaustive()
    }
}

impl Poller {
    /// A poller for `server_id`, sharing `config`'s connections and clock.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidServerId`] for an id SMS could not have issued.
    pub fn new(config: &Config, server_id: &str) -> Result<Poller, Error> {
        ServerId::parse(server_id)?;
        Ok(Poller {
            config: config.clone(),
            server_id: server_id.to_string(),
            handle: PollerHandle {
                stop: StopSignal::new(),
                status: Arc::default(),
                schedule: Arc::default(),
            },
            not_before: None,
            on_retryable_error: None,
        })
    }

    /// Calls `f` with every retryable failure (which [`next`](Self::next)
    /// does not return) and the wait before the next poll, e.g. to log it.
    pub fn on_retryable_error(&mut self, f: impl FnMut(&Error, Duration) + Send + 'static) {
        self.on_retryable_error = Some(Box::new(f));
    }

    /// Replaces the schedule (interval, backoff cap, auth pause), built and
    /// checked by [`PollSchedule::builder`]. The next wait already follows it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use hwsms::{Config, PollSchedule, Poller};
    ///
    /// let config = Config::from_env()?;
    /// let mut poller = Poller::new(&config, "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")?;
    /// poller.set_schedule(PollSchedule::builder().interval(Duration::from_secs(5)).build()?);
    /// # Ok::<_, hwsms::Error>(())
    /// ```
    pub fn set_schedule(&mut self, schedule: PollSchedule) {
        self.handle.set_schedule(schedule);
    }

    /// The schedule in use.
    pub fn schedule(&self) -> PollSchedule {
        self.handle.schedule()
    }

    /// A handle to stop this poller and watch its status from elsewhere.
    pub fn handle(&self) -> PollerHandle {
        self.handle.clone()
    }

    /// Blocks until a command arrives, a non-retryable error happens, or
    /// the poller is stopped. A stop wins: once [`PollerHandle::stop`] was
    /// called, this returns [`Polled::Stopped`], also when a request in
    /// flight brought a command.
    ///
    /// # Errors
    ///
    /// Non-retryable failures only; see [`Poller`].
    // Not an Iterator: it never ends on its own, and "stopped" is an
    // outcome of its own rather than the end of a sequence.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Polled, Error> {
        loop {
            let stop = &self.handle.stop;
            if self.not_before.is_some_and(|at| !stop.sleep_until(at)) || stop.is_stopped() {
                return Ok(Polled::Stopped);
            }
            let result = fetch_command(&self.config, &self.server_id)
                .and_then(|response| Ok(response.command()?.into_owned()));
            let outcome = self.record(result);
            // Checked after the request: a stop that came while it was in
            // flight wins over what it brought.
            if self.handle.stop.is_stopped() {
                return Ok(Polled::Stopped);
            }
            match outcome {
                Ok(command) if command.name().is_some() => return Ok(Polled::Command(command)),
                Ok(_) => {}
                Err((err, _)) if !err.is_retryable() => return Err(err),
                Err((err, wait)) => {
                    if let Some(observe) = &mut self.on_retryable_error {
                        observe(&err, wait);
                    }
                }
            }
        }
    }

    /// Records a poll's outcome in the status and sets when the next may go
    /// out; a failure comes back with the wait before the next poll.
    fn record(
        &mut self,
        result: Result<Command<'static>, Error>,
    ) -> Result<Command<'static>, (Error, Duration)> {
        let now = Instant::now();
        let schedule = self.handle.schedule();
        let mut status = self
            .handle
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        status.polls += 1;
        let (event, outcome) = match result {
            Ok(command) => {
                status.consecutive_failures = 0;
                status.last_error = None;
                status.last_success = Some(SystemTime::now());
                (PollEvent::Answered, Ok(command))
            }
            Err(err) => {
                status.consecutive_failures = status.consecutive_failures.saturating_add(1);
                status.last_error = Some(err.to_string());
                (
                    PollEvent::from_error(&err, status.consecutive_failures),
                    Err(err),
                )
            }
        };
        let wait = schedule.wait_after(event, random_unit());
        // Waits are bounded by the schedule's checks; a far-off Instant is a
        // guard, and waiting the longest wait a schedule allows is its meaning.
        self.not_before = Some(now.checked_add(wait).unwrap_or(now + MAX_DURATION));
        outcome.map_err(|err| (err, wait))
    }
}
