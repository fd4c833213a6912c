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
/// *reused* connection that gets no response byte within `silence` is
/// abandoned with [`DeadConnection`]; the caller resends it at once on a
/// fresh connection. Every connection opened before that moment is then
/// distrusted too (they share the NAT), so the pool drops them.
#[derive(Clone)]
pub(crate) struct Watch {
    silence: Duration,
    /// Bumped when a dead connection is found; connections of older
    /// generations are no longer reused.
    generation: Arc<AtomicU64>,
}

impl Watch {
    pub(crate) fn new(silence: Duration) -> Self {
        Watch {
            silence,
            generation: Arc::new(AtomicU64::new(0)),
        }
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
            answered_before: false,
            waiting_since: None,
            reused: false,
        }))
    }
}

/// A connection under [`Watch`].
pub(crate) struct Watched {
    inner: Box<dyn Transport>,
    watch: Watch,
    generation: u64,
    /// A response has started on this connection before.
    answered_before: bool,
    /// When the current request was sent, until its first response byte.
    waiting_since: Option<Instant>,
    /// The current request went out on a connection that had answered before.
    reused: bool,
}

impl fmt::Debug for Watched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watched")
            .field("inner", &self.inner)
            .field("reused", &self.reused)
            .finish()
    }
}

impl Transport for Watched {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if self.waiting_since.is_none() {
            self.reused = self.answered_before;
        }
        self.inner.transmit_output(amount, coarse(timeout))?;
        self.waiting_since = Some(Instant::now());
        Ok(())
    }

    fn await_input(&mut self, mut timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let Some(since) = self.waiting_since.filter(|_| self.reused) else {
            return self.read(timeout);
        };
        let left = self.watch.silence.saturating_sub(since.elapsed());
        let capped = UreqDuration::Exact(left) < timeout.after;
        if capped {
            timeout.after = UreqDuration::Exact(left);
        }
        match self.read(timeout) {
            Err(ureq::Error::Timeout(_)) if capped => {
                self.watch.generation.fetch_add(1, Ordering::Relaxed);
                Err(ureq::Error::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    DeadConnection(self.watch.silence),
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
        let progress = self.inner.await_input(coarse(timeout))?;
        if progress {
            self.answered_before = true;
            self.waiting_since = None;
        }
        Ok(progress)
    }
}

/// The socket timeout for `timeout`, floored to a coarse step: a power of
/// two milliseconds of at most 1/64 of it (256 ms of a 30 s deadline).
///
/// Why: the time left changes with every request, and the socket layer
/// re-arms its timeout (a `setsockopt` call) whenever the value changes;
/// floored, consecutive requests hand it the same value. Flooring also
/// keeps a late kernel timer inside the deadline instead of past it. A
/// timeout never becomes zero, which the layer below would take as 1 s.
fn coarse(mut timeout: NextTimeout) -> NextTimeout {
    if let UreqDuration::Exact(d) = timeout.after {
        timeout.after = UreqDuration::Exact(floor_to_step(d));
    }
    timeout
}

fn floor_to_step(d: Duration) -> Duration {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let step = match ms / 64 {
        0 => return d,
        n => 1u64 << (63 - n.leading_zeros()),
    };
    let floored = Duration::from_millis(ms - ms % step);
    if floored.is_zero() { d } else { floored }
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
    fn timeouts_are_floored_to_a_coarse_step() {
        let ms = Duration::from_millis;
        // Short timeouts stay as they are.
        assert_eq!(floor_to_step(ms(63)), ms(63));
        assert_eq!(
            floor_to_step(Duration::from_micros(1500)),
            Duration::from_micros(1500)
        );
        // 30 s: steps of 256 ms, so every call started within one step agrees.
        assert_eq!(floor_to_step(ms(29_999)), ms(29_952));
        assert_eq!(floor_to_step(ms(29_953)), ms(29_952));
        assert_eq!(floor_to_step(ms(30_000)), ms(29_952));
        assert_eq!(floor_to_step(ms(30_208)), ms(30_208));
        // Never more than 1/64 lost, never zero.
        for t in [64, 65, 127, 128, 1000, 4095, 10_000, 86_400_000] {
            let f = floor_to_step(ms(t));
            assert!(
                f <= ms(t) && f >= ms(t - t / 64) && !f.is_zero(),
                "{t}: {f:?}"
            );
        }
        assert!(floor_to_step(Duration::MAX) <= Duration::MAX);
        let t = coarse(NextTimeout {
            after: UreqDuration::NotHappening,
            ..NextTimeout::default()
        });
        assert_eq!(t.after, UreqDuration::NotHappening);
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
