//! The gateway's idea of "now", learned from its responses.
//!
//! Source servers often have wrong clocks, and the gateway rejects an
//! `X-Sdk-Date` more than 15 minutes from its own. The offset between this
//! host's clock and the gateway's is learned from every response's `Date`
//! header and from the "server time" in a "signature expired" error, and
//! applied to every later signature.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::limits::MAX_DATE_SKEW_SECS;

/// Where the offset in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// None learned: the host clock is used as it is.
    Host = 0,
    /// An answer's `Date` header.
    Date = 1,
    /// A signature check's own "server time". That clock is the one that
    /// matters, so `Date` headers (which a load balancer or proxy may
    /// write) no longer override it; a later rejection replaces it.
    Rejection = 2,
}

/// The offset between this host's clock and the gateway's, shared by every
/// clone of a [`Config`](crate::Config) and every thread using it.
///
/// The offset and where it came from live in one atomic word (offset × 4 +
/// source), so no thread ever reads one without the other.
///
/// What a `Date` header alone may teach is bounded
/// ([`MAX_DATE_SKEW_SECS`]): an odd `Date` from a proxy's error page or one
/// bad load-balancer node must not date every later signature wrongly. A
/// larger skew is adopted only when a signature rejection confirms it.
#[derive(Debug, Clone, Default)]
pub(crate) struct GatewayClock {
    state: Arc<AtomicI64>,
}

/// Offsets are kept within ±2^60 seconds, far past any clock, so the packed
/// word never overflows.
const OFFSET_LIMIT: i64 = 1 << 60;

fn pack(offset: i64, source: Source) -> i64 {
    offset.clamp(-OFFSET_LIMIT, OFFSET_LIMIT) * 4 + source as i64
}

fn unpack(word: i64) -> (i64, Source) {
    let source = match word.rem_euclid(4) {
        1 => Source::Date,
        2 => Source::Rejection,
        _ => Source::Host,
    };
    (word.div_euclid(4), source)
}

impl GatewayClock {
    /// Seconds the gateway's clock is ahead of this host's (negative: behind).
    pub(crate) fn offset_secs(&self) -> i64 {
        self.read().0
    }

    fn read(&self) -> (i64, Source) {
        unpack(self.state.load(Ordering::Acquire))
    }

    fn store(&self, offset: i64, source: Source) {
        self.state.store(pack(offset, source), Ordering::Release);
    }

    /// The gateway's current time, as Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        host_now().saturating_add(self.offset_secs())
    }

    /// Learns from a response's `Date` header, read at host time `host_secs`,
    /// unless a signature check already told us its clock, or the `Date` is
    /// further from this host's clock than a `Date` alone may say.
    pub(crate) fn learn_from_date(&self, date_secs: i64, host_secs: i64) {
        let offset = date_secs.saturating_sub(host_secs);
        if self.read().1 != Source::Rejection && offset.abs() <= MAX_DATE_SKEW_SECS {
            self.store(offset, Source::Date);
        }
    }

    /// Learns from a "signature expired" rejection, which confirms a skew of
    /// any size: its "server time" when given (and pins it), else its `Date`.
    pub(crate) fn learn_from_rejection(
        &self,
        server_time: Option<i64>,
        date: Option<i64>,
        host_secs: i64,
    ) {
        if let Some(t) = server_time {
            self.store(t.saturating_sub(host_secs), Source::Rejection);
        } else if let Some(d) = date {
            self.store(d.saturating_sub(host_secs), Source::Date);
        }
    }

    /// After a 401 or 403 to a signed request that was not recognised as a
    /// clock rejection: if an offset learned from `Date` headers was in
    /// force, it may be what the gateway refused, so it is learned again
    /// from this answer's `Date` (within the bound) or dropped for the host
    /// clock. Returns true when the offset changed.
    pub(crate) fn relearn_after_refusal(&self, date: Option<i64>, host_secs: i64) -> bool {
        let (before, source) = self.read();
        if source != Source::Date {
            return false;
        }
        let fresh = date
            .map(|d| d.saturating_sub(host_secs))
            .filter(|o| o.abs() <= MAX_DATE_SKEW_SECS);
        match fresh {
            Some(offset) => self.store(offset, Source::Date),
            None => self.store(0, Source::Host),
        }
        self.offset_secs() != before
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
    fn a_date_alone_cannot_move_the_clock_by_more_than_a_day() {
        let c = GatewayClock::default();
        // The review's poisoned Date: year 10000 does not even parse; a date
        // two days away parses, and is still not adopted.
        c.learn_from_date(1_000 + 2 * 86_400, 1_000);
        assert_eq!(c.offset_secs(), 0);
        c.learn_from_date(1_000 - MAX_DATE_SKEW_SECS - 1, 1_000);
        assert_eq!(c.offset_secs(), 0);
        c.learn_from_date(1_000 + MAX_DATE_SKEW_SECS, 1_000);
        assert_eq!(c.offset_secs(), MAX_DATE_SKEW_SECS);
        // A signature rejection confirms a larger skew.
        c.learn_from_rejection(Some(1_000 + 3 * 86_400), None, 1_000);
        assert_eq!(c.offset_secs(), 3 * 86_400);
        assert!((c.now() - host_now() - 3 * 86_400).abs() <= 1);
    }

    #[test]
    fn a_refused_signature_drops_an_offset_learned_from_dates() {
        let c = GatewayClock::default();
        // Nothing learned: nothing to drop.
        assert!(!c.relearn_after_refusal(None, 1_000));
        c.learn_from_date(1_500, 1_000);
        // Re-learned from the refusal's own Date…
        assert!(c.relearn_after_refusal(Some(1_100), 1_000));
        assert_eq!(c.offset_secs(), 100);
        // …or, without a usable one, back to the host clock.
        assert!(c.relearn_after_refusal(Some(1_000 + 5 * 86_400), 1_000));
        assert_eq!(c.offset_secs(), 0);
        assert!(
            !c.relearn_after_refusal(None, 1_000),
            "the host clock is kept"
        );
        // An offset a signature check gave is not dropped.
        c.learn_from_rejection(Some(9_000), None, 1_000);
        assert!(!c.relearn_after_refusal(None, 1_000));
        assert_eq!(c.offset_secs(), 8_000);
    }

    #[test]
    fn offset_and_source_travel_together() {
        for offset in [0, 1, -1, 86_400, -86_400, OFFSET_LIMIT, -OFFSET_LIMIT] {
            for source in [Source::Host, Source::Date, Source::Rejection] {
                assert_eq!(unpack(pack(offset, source)), (offset, source));
            }
        }
        assert_eq!(
            unpack(pack(i64::MAX, Source::Date)),
            (OFFSET_LIMIT, Source::Date)
        );
        assert_eq!(
            unpack(pack(i64::MIN, Source::Rejection)),
            (-OFFSET_LIMIT, Source::Rejection)
        );
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
