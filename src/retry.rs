//! When to try again, and how long to wait first.

use std::time::Duration;

use crate::clock::parse_http_date;
use crate::limits::{BACKOFF_BASE, BACKOFF_CAP, RETRY_AFTER_CAP};

/// The wait before retry number `retry` (1 for the first retry): exponential
/// backoff with full jitter, uniform in `[0, min(cap, base * 2^(retry-1))]`.
pub(crate) fn backoff(retry: u32) -> Duration {
    backoff_with(retry, random_unit())
}

/// [`backoff`] for a given uniform draw `unit` in `[0, 1]`.
fn backoff_with(retry: u32, unit: f64) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .min(BACKOFF_CAP);
    ceiling.mul_f64(unit)
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
            assert!(backoff(retry) <= Duration::from_secs(10));
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
