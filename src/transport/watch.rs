//! The watch over pooled connections that went silent.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// Watches for pooled connections that went silent.
///
/// NAT gateways and firewalls drop idle flows without a FIN or RST, so a
/// pooled connection can look open and never answer. A request sent on a
/// reused connection that had sat idle for at least the silence bound, and
/// then gets no response byte within that bound, is abandoned with
/// [`DeadConnection`]; the pipeline resends it on a fresh connection when
/// sending twice is harmless. Every connection opened before that moment
/// is then distrusted too (they share the NAT), so the pool drops them.
///
/// A slow server is not a dead connection:
/// - a connection that answered moments ago is not watched at all: too
///   little time has passed for a NAT to forget it;
/// - the bound grows to twice the slowest first byte seen lately, so a
///   server that always takes 11 s is not taken for dead at 10 s.
#[derive(Clone)]
pub(crate) struct Watch {
    silence: Duration,
    /// Bumped when a dead connection is found; connections of older
    /// generations are no longer reused.
    generation: Arc<AtomicU64>,
    /// The slowest first byte lately, in milliseconds: the largest seen,
    /// shrinking by an eighth with each answer.
    slowest_ms: Arc<AtomicU64>,
}

impl Watch {
    pub(crate) fn new(silence: Duration) -> Self {
        Watch {
            silence,
            generation: Arc::new(AtomicU64::new(0)),
            slowest_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How long a watched request may stay silent: the configured bound, or
    /// twice the slowest recent answer when that is longer.
    fn bound(&self) -> Duration {
        let slowest = Duration::from_millis(self.slowest_ms.load(Ordering::Relaxed));
        self.silence.max(slowest.saturating_mul(2))
    }

    /// Records how long an answer's first byte took.
    fn observe(&self, first_byte: Duration) {
        let ms = u64::try_from(first_byte.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .slowest_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(ms.max(old - old / 8))
            });
    }
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("silence", &self.silence)
            .finish()
    }
}

impl Connector<Box<dyn Transport>> for Watch {
    type Out = Watched;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Watched {
            inner,
            watch: self.clone(),
            generation: self.generation.load(Ordering::Relaxed),
            last_input: None,
            waiting_since: None,
            armed: false,
        }))
    }
}

/// A connection under [`Watch`].
pub(crate) struct Watched {
    inner: Box<dyn Transport>,
    watch: Watch,
    generation: u64,
    /// When a byte last arrived on this connection; `None` before the
    /// first answer.
    last_input: Option<Instant>,
    /// When the current request was sent, until its first response byte.
    waiting_since: Option<Instant>,
    /// The current request went out on a connection that had answered
    /// before and then sat idle long enough for a NAT to drop it.
    armed: bool,
}

impl fmt::Debug for Watched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watched")
            .field("inner", &self.inner)
            .field("armed", &self.armed)
            .finish()
    }
}

impl Transport for Watched {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.waiting_since.is_none() {
            let bound = self.watch.bound();
            self.armed = self.last_input.is_some_and(|at| at.elapsed() >= bound);
        }
        self.inner.transmit_output(amount, timeout)?;
        self.waiting_since = Some(Instant::now());
        Ok(())
    }

    fn await_input(&mut self, mut timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let Some(since) = self.waiting_since.filter(|_| self.armed) else {
            return self.read(timeout);
        };
        let bound = self.watch.bound();
        let left = bound.saturating_sub(since.elapsed());
        let capped = UreqDuration::Exact(left) < timeout.after;
        if capped {
            timeout.after = UreqDuration::Exact(left);
        }
        match self.read(timeout) {
            Err(ureq::Error::Timeout(_)) if capped => {
                self.watch.generation.fetch_add(1, Ordering::Relaxed);
                Err(ureq::Error::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    DeadConnection(bound),
                )))
            }
            other => other,
        }
    }

    fn is_open(&mut self) -> bool {
        self.generation == self.watch.generation.load(Ordering::Relaxed) && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

impl Watched {
    fn read(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let progress = self.inner.await_input(timeout)?;
        if progress {
            let now = Instant::now();
            if let Some(since) = self.waiting_since.take() {
                self.watch.observe(now.saturating_duration_since(since));
            }
            self.last_input = Some(now);
        }
        Ok(progress)
    }
}

/// A reused connection stayed silent past the bound: it is presumed dead.
#[derive(Debug)]
pub(crate) struct DeadConnection(pub(crate) Duration);

impl fmt::Display for DeadConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a pooled connection sent no answer within {:?}; presumed dropped by a NAT or firewall",
            self.0
        )
    }
}

impl std::error::Error for DeadConnection {}

/// True when `err` is a request abandoned on a silent pooled connection.
pub(crate) fn is_dead_connection(err: &ureq::Error) -> bool {
    matches!(err, ureq::Error::Io(e) if e.get_ref().is_some_and(|i| i.is::<DeadConnection>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_follows_the_slowest_recent_answer() {
        let watch = Watch::new(Duration::from_secs(10));
        assert_eq!(watch.bound(), Duration::from_secs(10));
        watch.observe(Duration::from_secs(11));
        assert_eq!(watch.bound(), Duration::from_secs(22));
        // Fast answers let it shrink back, an eighth at a time.
        for _ in 0..40 {
            watch.observe(Duration::from_millis(5));
        }
        assert_eq!(watch.bound(), Duration::from_secs(10));
        watch.observe(Duration::MAX);
        assert!(watch.bound() >= Duration::from_secs(10));
    }

    #[test]
    fn dead_connection_is_recognised_through_ureq_error() {
        let e = ureq::Error::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            DeadConnection(Duration::from_secs(10)),
        ));
        assert!(is_dead_connection(&e));
        let other = ureq::Error::Io(io::Error::new(io::ErrorKind::TimedOut, "slow"));
        assert!(!is_dead_connection(&other));
    }
}
