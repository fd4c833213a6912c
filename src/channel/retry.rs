//! When to try again, and how long to wait first.

use std::time::Duration;

use crate::limits::{BACKOFF_BASE, BACKOFF_CAP, RETRY_AFTER_CAP};
use crate::wire::date::parse_http_date;

/// The wait before retry number `retry` of one call (1 for the first
/// retry): [`full_jitter`] from [`BACKOFF_BASE`] up to [`BACKOFF_CAP`], and
/// never less than the server's `Retry-After`.
pub(crate) fn retry_wait(retry: u32, retry_after: Option<Duration>) -> Duration {
    retry_wait_with(retry, retry_after, random_unit())
}

/// [`retry_wait`] for a given draw. `Retry-After` is a floor under the
/// backoff, never a replacement for it: a fleet told "0" still spreads out.
fn retry_wait_with(retry: u32, retry_after: Option<Duration>, unit: f64) -> Duration {
    full_jitter(BACKOFF_BASE, BACKOFF_CAP, retry, unit).max(retry_after.unwrap_or_default())
}

/// Exponential backoff with full jitter, the one formula of every wait
/// after failures (a call's retries and a poller's): uniform in
/// `[0, min(cap, base × 2^(n−1))]` for the `n`-th failure in a row (1 for the
/// first). `unit` is a uniform draw in `[0, 1]`; one outside it is clamped,
/// and one that is not a number counts as 1 (the full step).
pub(crate) fn full_jitter(base: Duration, cap: Duration, n: u32, unit: f64) -> Duration {
    let doublings = n.saturating_sub(1).min(31);
    let ceiling = base.saturating_mul(1u32 << doublings).min(cap);
    // Float rounding must not lift a full draw above the step.
    scale(ceiling, unit_or_full(unit)).min(ceiling)
}

/// `d × factor` for a factor of at least 0, saturating at `Duration::MAX`
/// where `mul_f64` would panic.
pub(crate) fn scale(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// `unit` clamped to `[0, 1]`, or 1 when it is not a number.
pub(crate) fn unit_or_full(unit: f64) -> f64 {
    if unit.is_nan() {
        1.0
    } else {
        unit.clamp(0.0, 1.0)
    }
}

/// A uniform random number in `[0, 1]` from the OS, through ring.
pub(crate) fn random_unit() -> f64 {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 8];
    // Without randomness fall back to the full step: still bounded, merely not jittered.
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        return 1.0;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / ((1u64 << 53) - 1) as f64
}

/// Parses `Retry-After` (delay-seconds or an HTTP date) relative to the
/// gateway's `now`; capped at [`RETRY_AFTER_CAP`].
pub(crate) fn parse_retry_after(value: &str, gateway_now: i64) -> Option<Duration> {
    let value = value.trim();
    let secs = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // Long digit strings saturate instead of failing: they mean "a long time".
        value.parse::<u64>().unwrap_or(u64::MAX)
    } else {
        let at = parse_http_date(value)?;
        u64::try_from(at.saturating_sub(gateway_now)).unwrap_or(0)
    };
    Some(Duration::from_secs(secs).min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff_with(retry: u32, unit: f64) -> Duration {
        full_jitter(BACKOFF_BASE, BACKOFF_CAP, retry, unit)
    }

    #[test]
    fn retry_after_is_a_floor_under_the_backoff() {
        let ms = Duration::from_millis;
        // "Retry-After: 0" (or a date in the past) leaves the jittered backoff.
        assert_eq!(retry_wait_with(1, Some(Duration::ZERO), 1.0), ms(200));
        assert_eq!(retry_wait_with(2, Some(Duration::ZERO), 0.5), ms(200));
        assert_eq!(retry_wait_with(1, None, 0.25), ms(50));
        // A longer Retry-After wins over a shorter step.
        assert_eq!(
            retry_wait_with(1, Some(Duration::from_secs(5)), 1.0),
            Duration::from_secs(5)
        );
        assert_eq!(
            retry_wait_with(9, Some(ms(1)), 1.0),
            Duration::from_secs(10)
        );
        for retry in 1..=10 {
            assert!(retry_wait(retry, Some(Duration::ZERO)) <= Duration::from_secs(10));
        }
    }

    #[test]
    fn odd_draws_stay_in_bounds() {
        let step = |unit| full_jitter(Duration::from_secs(1), Duration::from_secs(8), 2, unit);
        assert_eq!(step(f64::NAN), Duration::from_secs(2));
        assert_eq!(step(f64::INFINITY), Duration::from_secs(2));
        assert_eq!(step(f64::NEG_INFINITY), Duration::ZERO);
        assert_eq!(step(-0.5), Duration::ZERO);
        assert_eq!(step(7.0), Duration::from_secs(2));
        // Huge steps saturate at the cap instead of overflowing.
        let huge = full_jitter(Duration::MAX, Duration::MAX, u32::MAX, 1.0);
        assert_eq!(huge, Duration::MAX);
    }

    #[test]
    fn backoff_doubles_from_200_ms_to_a_10_s_cap() {
        // The top of each step (a draw of 1.0), written out.
        let ms = [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000];
        for (retry, top) in (1..).zip(ms) {
            assert_eq!(
                backoff_with(retry, 1.0),
                Duration::from_millis(top),
                "retry {retry}"
            );
        }
        for retry in [40, u32::MAX] {
            assert_eq!(backoff_with(retry, 1.0), Duration::from_secs(10));
        }
        // Full jitter: the draw scales the whole step.
        assert_eq!(backoff_with(3, 0.0), Duration::ZERO);
        assert_eq!(backoff_with(3, 0.5), Duration::from_millis(400));
    }

    #[test]
    fn draws_are_uniform_in_the_unit_interval() {
        let draws: Vec<f64> = (0..2000).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|u| (0.0..=1.0).contains(u)));
        // 2000 uniform draws cover both ends of the interval.
        assert!(draws.iter().any(|u| *u < 0.05) && draws.iter().any(|u| *u > 0.95));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        for retry in 1..=10 {
            assert!(retry_wait(retry, None) <= Duration::from_secs(10));
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("1", 0), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 60 ", 0), Some(RETRY_AFTER_CAP));
        assert_eq!(parse_retry_after("61", 0), Some(RETRY_AFTER_CAP));
        assert_eq!(
            parse_retry_after("99999999999999999999999", 0),
            Some(RETRY_AFTER_CAP)
        );
        let now = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }
}
