//! Waiting for an answer in short slices, so a call ends at its deadline.
//!
//! A socket's receive timeout runs on the kernel's timer wheel, whose
//! granularity grows with the timeout: about an eighth of it (on a 250 Hz
//! kernel, 256 ms for timeouts of 2 to 16 s and 2 s beyond), so a 20 s
//! deadline could end at almost 22 s. A timeout of at most
//! [`WAIT_SLICE`](crate::limits::WAIT_SLICE) sits on the finest level, one
//! jiffy. So a long wait is made of such slices, re-armed until the real
//! deadline. The slice is also the same value from one request to the
//! next, so the socket's timeout is set once, not per request.

use std::fmt;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

use crate::limits::WAIT_SLICE;

/// The connector that puts [`Sliced`] over the connection below it.
#[derive(Debug, Default)]
pub(crate) struct Slicing;

impl<In: Transport> Connector<In> for Slicing {
    type Out = Sliced;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Sliced {
            inner: inner.boxed(),
        }))
    }
}

/// A connection whose reads wait in slices of at most [`WAIT_SLICE`].
/// Writes cannot be sliced (one cut off part way cannot be resumed), so
/// their timeout is floored to a coarse step instead: it then rarely
/// changes from one request to the next, and ends before the deadline
/// rather than after it.
pub(crate) struct Sliced {
    inner: Box<dyn Transport>,
}

impl fmt::Debug for Sliced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sliced")
            .field("inner", &self.inner)
            .finish()
    }
}

impl Transport for Sliced {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        mut timeout: NextTimeout,
    ) -> Result<(), ureq::Error> {
        if let UreqDuration::Exact(d) = timeout.after {
            timeout.after = UreqDuration::Exact(floor_to_step(d));
        }
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let UreqDuration::Exact(total) = timeout.after else {
            return self.inner.await_input(timeout);
        };
        let start = Instant::now();
        let end = start.checked_add(total);
        loop {
            let left = end.map_or(total, |end| end.saturating_duration_since(Instant::now()));
            if left.is_zero() {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            let mut slice = timeout;
            slice.after = UreqDuration::Exact(left.min(WAIT_SLICE));
            match self.inner.await_input(slice) {
                // Only this slice ran out: wait on, within the deadline.
                Err(ureq::Error::Timeout(_)) if left > WAIT_SLICE => continue,
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// `d` floored to a step of a power of two milliseconds, at most 1/64 of it
/// (256 ms of 30 s); never to zero, which the layer below takes as 1 s.
fn floor_to_step(d: Duration) -> Duration {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let step = match ms / 64 {
        0 => return d,
        n => 1u64 << (63 - n.leading_zeros()),
    };
    let floored = Duration::from_millis(ms - ms % step);
    if floored.is_zero() { d } else { floored }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_timeouts_are_floored_to_a_coarse_step() {
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
    }
}
