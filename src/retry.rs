//! When to try again, and how long to wait first.

use std::time::Duration;

use crate::clock::parse_http_date;
use crate::limits::{BACKOFF_BASE, BACKOFF_CAP, RETRY_AFTER_CAP};

/// The wait before retry number `retry` (1 for the first retry): exponential
/// backoff with full jitter, uniform in `[0, min(cap, base * 2^(retry-1))]`.
pub(crate) fn backoff(retry: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(
            1u32.checked_shl(retry.saturating_sub(1))
                .unwrap_or(u32::MAX),
        )
        .min(BACKOFF_CAP);
    let unit = random_unit();
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
    fn backoff_stays_within_its_envelope() {
        for retry in 1..=40 {
            let ceiling = BACKOFF_BASE
                .saturating_mul(1 << (retry - 1).min(20))
                .min(BACKOFF_CAP);
            for _ in 0..20 {
                assert!(backoff(retry) <= ceiling, "retry {retry}");
            }
        }
        // Jitter: 50 draws of the first step are not all the same.
        let draws: std::collections::HashSet<_> = (0..50).map(|_| backoff(1)).collect();
        assert!(draws.len() > 1);
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
