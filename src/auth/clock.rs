//! The gateway's idea of "now", learned from its responses.
//!
//! Source servers often have wrong clocks, and the gateway rejects an
//! `X-Sdk-Date` more than 15 minutes from its own. The offset between this
//! host's clock and the gateway's is learned from every response's `Date`
//! header and from the "server time" in a "signature expired" error, and
//! applied to every later signature.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The offset between this host's clock and the gateway's, shared by every
/// clone of a [`Config`](crate::Config) and every thread using it.
#[derive(Debug, Clone, Default)]
pub(crate) struct GatewayClock {
    /// Gateway time minus host time, in seconds.
    offset_secs: Arc<AtomicI64>,
    /// Set when the offset came from a signature check's own "server time".
    /// That clock is the one that matters, so `Date` headers (which a load
    /// balancer or proxy may write) no longer override it; a later rejection
    /// replaces it.
    pinned: Arc<AtomicBool>,
}

impl GatewayClock {
    /// Seconds the gateway's clock is ahead of this host's (negative: behind).
    pub(crate) fn offset_secs(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// The gateway's current time, as Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        host_now().saturating_add(self.offset_secs())
    }

    /// Learns from a response's `Date` header, read at host time `host_secs`,
    /// unless a signature check already told us its clock.
    pub(crate) fn learn_from_date(&self, date_secs: i64, host_secs: i64) {
        if !self.pinned.load(Ordering::Relaxed) {
            self.store(date_secs, host_secs);
        }
    }

    /// Learns from a "signature expired" rejection: its "server time" when
    /// given (and pins it), else its `Date` header.
    pub(crate) fn learn_from_rejection(
        &self,
        server_time: Option<i64>,
        date: Option<i64>,
        host_secs: i64,
    ) {
        if let Some(t) = server_time {
            self.store(t, host_secs);
            self.pinned.store(true, Ordering::Relaxed);
        } else if let Some(d) = date {
            self.store(d, host_secs);
            self.pinned.store(false, Ordering::Relaxed);
        }
    }

    fn store(&self, gateway_secs: i64, host_secs: i64) {
        self.offset_secs
            .store(gateway_secs.saturating_sub(host_secs), Ordering::Relaxed);
    }
}

/// This host's clock as Unix seconds (negative before 1970).
pub(crate) fn host_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_now_reads_this_hosts_clock() {
        // Between 1 January 2025 and 2100: this test was written in 2026.
        assert!((1_735_689_600..4_102_444_800).contains(&host_now()));
    }

    #[test]
    fn clones_share_the_offset() {
        let c = GatewayClock::default();
        let c2 = c.clone();
        c.learn_from_date(1_000 + 1_200, 1_000);
        assert_eq!(c2.offset_secs(), 1_200);
        assert!((c2.now() - host_now() - 1_200).abs() <= 1);
    }

    #[test]
    fn a_signature_checks_clock_outranks_date_headers() {
        let c = GatewayClock::default();
        c.learn_from_rejection(Some(5_000), Some(1_000), 1_000);
        assert_eq!(c.offset_secs(), 4_000);
        c.learn_from_date(1_000, 1_000);
        assert_eq!(c.offset_secs(), 4_000, "a Date header must not undo it");
        // A rejection that only carries a Date replaces it and unpins.
        c.learn_from_rejection(None, Some(1_500), 1_000);
        assert_eq!(c.offset_secs(), 500);
        c.learn_from_date(1_000, 1_000);
        assert_eq!(c.offset_secs(), 0);
    }
}
