//! Dates as they appear on the wire: `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`),
//! HTTP dates (`Date`, `Retry-After`), the "server time" a gateway names
//! in a signature-expired message, and the RFC 3339 expiry times of
//! credentials (IAM, the metadata service, the credentials file). Pure
//! calendar arithmetic, no clock.

/// Formats Unix seconds as `YYYYMMDDTHHMMSSZ` (UTC), the `X-Sdk-Date` format.
///
/// The format has room for four year digits: times outside the years
/// 1000 to 9999 are clamped to the nearest one inside.
pub fn format_sdk_date(unix_secs: i64) -> String {
    let t = CivilTime::from_unix(unix_secs.clamp(EARLIEST, LATEST));
    // Written digit by digit: every signature formats one date.
    let y = t.year;
    let d = |n: i64| b'0' + n.rem_euclid(10) as u8;
    let text = [
        d(y / 1000),
        d(y / 100),
        d(y / 10),
        d(y),
        d(t.month / 10),
        d(t.month),
        d(t.day / 10),
        d(t.day),
        b'T',
        d(t.hour / 10),
        d(t.hour),
        d(t.minute / 10),
        d(t.minute),
        d(t.second / 10),
        d(t.second),
        b'Z',
    ];
    String::from_utf8_lossy(&text).into_owned()
}

/// Parses `YYYYMMDDTHHMMSSZ` into Unix seconds.
pub fn parse_sdk_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    to_unix(
        num(0..4)?,
        num(4..6)?,
        num(6..8)?,
        num(9..11)?,
        num(11..13)?,
        num(13..15)?,
    )
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's IMF-fixdate)
/// into Unix seconds.
pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    let mut parts = text.split_ascii_whitespace();
    let _weekday = parts.next()?;
    let day = digits(parts.next()?, 1, 2)?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = digits(parts.next()?, 4, 4)?;
    let mut hms = parts.next()?.split(':').map(|p| digits(p, 2, 2));
    let (h, mi, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || hms.next().is_some() {
        return None;
    }
    to_unix(year, month, day, h, mi, s)
}

/// Finds the gateway's time (UTC) in a "signature expired" message:
/// `…signature time:20230527T000431Z,server time:20230527T020608Z`. Also
/// accepts separators, as in `server time: 2023-05-27 02:06:08`.
pub(crate) fn parse_server_time(message: &str) -> Option<i64> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("server time")? + "server time".len();
    let rest = message[at..].trim_start_matches([':', ' ', '=', '"']);
    let mut digits = [0i64; 14];
    let mut n = 0;
    for c in rest.chars() {
        match c {
            '0'..='9' if n < 14 => {
                digits[n] = i64::from(c as u8 - b'0');
                n += 1;
            }
            '-' | ':' | 'T' | ' ' => {}
            _ => break,
        }
    }
    if n < 14 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits[r].iter().fold(0, |acc, d| acc * 10 + d);
    to_unix(
        num(0..4),
        num(4..6),
        num(6..8),
        num(8..10),
        num(10..12),
        num(12..14),
    )
}

/// Parses an RFC 3339 time (`2026-12-01T12:00:00Z`, `…T12:00:00.123456Z`,
/// `…T20:00:00+08:00`) into Unix seconds; a fraction is dropped (an expiry
/// is kept to the second below it, never later). A lower-case `t`/`z` and
/// a space for the `T` are accepted, as RFC 3339 allows.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_at_checked(10)?;
    let mut ymd = date.split('-');
    let (y, mo, d) = (
        digits(ymd.next()?, 4, 4)?,
        digits(ymd.next()?, 2, 2)?,
        digits(ymd.next()?, 2, 2)?,
    );
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, zone) = rest.split_at_checked(8)?;
    let mut hms = clock.split(':');
    let (h, mi, s) = (
        digits(hms.next()?, 2, 2)?,
        digits(hms.next()?, 2, 2)?,
        digits(hms.next()?, 2, 2)?,
    );
    // A fraction of a second: digits only, dropped.
    let zone = match zone.strip_prefix('.') {
        Some(f) => f.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => zone,
    };
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let (sign, hhmm) = match zone.split_at_checked(1)? {
                ("+", r) => (1, r),
                ("-", r) => (-1, r),
                _ => return None,
            };
            let (oh, om) = hhmm.split_once(':')?;
            let (oh, om) = (digits(oh, 2, 2)?, digits(om, 2, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    Some(to_unix(y, mo, d, h, mi, s)? - offset)
}

/// Formats Unix seconds as RFC 3339 in UTC (`2026-12-01T12:00:00Z`), the
/// way messages show an expiry. Clamped to the years 1000 to 9999.
pub(crate) fn format_rfc3339(unix_secs: i64) -> String {
    let t = CivilTime::from_unix(unix_secs.clamp(EARLIEST, LATEST));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The first and the last second of the years with four digits: every date
/// a gateway can send, and every date `X-Sdk-Date` can carry.
const EARLIEST: i64 = -30_610_224_000; // 1000-01-01T00:00:00Z
const LATEST: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

/// `text` as a number of `min` to `max` ASCII digits, nothing else.
fn digits(text: &str, min: usize, max: usize) -> Option<i64> {
    let ok = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok())?
}

/// Unix seconds of a UTC date and time, for a four-digit year only (so the
/// arithmetic cannot overflow), or `None` for any field out of range.
fn to_unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let valid = (1000..=9999).contains(&y)
        && (1..=12).contains(&mo)
        && (1..=days_in_month(y, mo)).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..=60).contains(&s);
    valid.then(|| days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A UTC calendar date and time of day.
struct CivilTime {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

impl CivilTime {
    // Howard Hinnant's civil-from-days, the inverse of `days_from_civil`.
    fn from_unix(unix: i64) -> Self {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        CivilTime {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: secs / 3600,
            minute: secs % 3600 / 60,
            second: secs % 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_date_round_trips() {
        assert_eq!(format_sdk_date(0), "19700101T000000Z");
        assert_eq!(format_sdk_date(1_709_208_000), "20240229T120000Z");
        assert_eq!(parse_sdk_date("20240229T120000Z"), Some(1_709_208_000));
        assert_eq!(
            parse_sdk_date("20261128T235959Z")
                .map(format_sdk_date)
                .as_deref(),
            Some("20261128T235959Z")
        );
        for t in [-86_401, 951_782_400, 4_102_444_799, 1_764_322_215] {
            assert_eq!(parse_sdk_date(&format_sdk_date(t)), Some(t));
        }
        for bad in [
            "",
            "20230229T000000Z",
            "2024022xT120000Z",
            "20240229 120000Z",
            "20241301T000000Z",
            "+0240229T120000Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    /// The reference calendar: walk day by day from 1 March 1600 with the
    /// Gregorian rule written out, so every date is checked against counting
    /// rather than against the same formula.
    fn walk_days(mut visit: impl FnMut(i64, i64, i64, i64, i64)) {
        let leap = |y: i64| y % 400 == 0 || (y % 4 == 0 && y % 100 != 0);
        let lengths = |y: i64| {
            [
                31,
                if leap(y) { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ]
        };
        // 1 March 1600 is day -135_080 of the Unix epoch.
        let (mut y, mut m, mut d, mut day) = (1600, 3, 1, -135_080);
        while y < 2401 {
            let month_len = lengths(y)[m as usize - 1];
            visit(day, y, m, d, month_len);
            day += 1;
            d += 1;
            if d > month_len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!((y, m, d, day), (2401, 1, 1, 157_420));
    }

    #[test]
    fn every_day_from_1600_to_2400_matches_counting() {
        let mut days = 0;
        walk_days(|day, y, m, d, month_len| {
            days += 1;
            assert_eq!(days_from_civil(y, m, d), day, "{y}-{m}-{d}");
            let t = CivilTime::from_unix(day * 86_400);
            assert_eq!((t.year, t.month, t.day), (y, m, d), "day {day}");
            // The last second of the day still belongs to it.
            let t = CivilTime::from_unix(day * 86_400 + 86_399);
            assert_eq!(
                (t.year, t.month, t.day, t.hour, t.minute, t.second),
                (y, m, d, 23, 59, 59)
            );
            assert_eq!(to_unix(y, m, d, 0, 0, 0), Some(day * 86_400));
            // 1700, 1800, 1900, 2100… have no 29 February; 1600, 2000, 2400 do.
            assert_eq!(days_in_month(y, m), month_len, "{y}-{m}");
            assert_eq!(to_unix(y, m, month_len + 1, 0, 0, 0), None, "{y}-{m}");
        });
        assert_eq!(days, 292_500, "1 March 1600 to 31 December 2400");
    }

    #[test]
    fn time_of_day_fields() {
        for day in [-135_080, -1, 0, 19_782, 157_053] {
            for (h, mi, s) in [
                (0, 0, 0),
                (0, 0, 59),
                (0, 1, 0),
                (0, 59, 59),
                (1, 0, 0),
                (12, 34, 56),
                (23, 59, 59),
            ] {
                let unix = day * 86_400 + h * 3600 + mi * 60 + s;
                let t = CivilTime::from_unix(unix);
                assert_eq!((t.hour, t.minute, t.second), (h, mi, s), "{unix}");
                let (y, mo, d) = (t.year, t.month, t.day);
                assert_eq!(to_unix(y, mo, d, h, mi, s), Some(unix));
            }
        }
        // Out-of-range fields are refused, leap second 60 is allowed.
        assert_eq!(to_unix(2024, 1, 1, 23, 59, 60), Some(1_704_153_600));
        for (h, mi, s) in [
            (24, 0, 0),
            (-1, 0, 0),
            (0, 60, 0),
            (0, -1, 0),
            (0, 0, 61),
            (0, 0, -1),
        ] {
            assert_eq!(to_unix(2024, 1, 1, h, mi, s), None, "{h}:{mi}:{s}");
        }
        for (mo, d) in [(0, 1), (13, 1), (1, 0), (1, 32), (4, 31), (2, 30)] {
            assert_eq!(to_unix(2024, mo, d, 0, 0, 0), None, "month {mo} day {d}");
        }
    }

    #[test]
    fn only_four_digit_years_are_dates() {
        // The review's poisoned dates: a fifth year digit, and a twelfth.
        assert_eq!(parse_http_date("Sat, 01 Jan 10000 00:00:00 GMT"), None);
        assert_eq!(
            parse_http_date("Sun, 06 Nov 300000000000 08:49:37 GMT"),
            None
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, +6 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 8:49:37 GMT"), None);
        assert_eq!(
            parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(LATEST)
        );
        assert_eq!(
            parse_http_date("Wed, 01 Jan 1000 00:00:00 GMT"),
            Some(EARLIEST)
        );
        assert_eq!(
            parse_server_time("server time: 99991231235959"),
            Some(LATEST)
        );
        assert_eq!(parse_server_time("server time: 99999999999999999999"), None);
        assert_eq!(to_unix(10_000, 1, 1, 0, 0, 0), None);
        assert_eq!(to_unix(999, 12, 31, 23, 59, 59), None);
        assert_eq!(to_unix(i64::MAX, 1, 1, 0, 0, 0), None);
        // Formatting clamps into the years the format can carry.
        assert_eq!(format_sdk_date(i64::MAX), "99991231T235959Z");
        assert_eq!(format_sdk_date(i64::MIN), "10000101T000000Z");
        assert_eq!(format_sdk_date(LATEST + 1), "99991231T235959Z");
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37:00 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT x"), None);
        assert_eq!(parse_http_date("Sun, 06 Nv 1994 08:49:37 GMT"), None);
        // Every month name, on the 28th at noon of 2025.
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        for (i, name) in months.iter().enumerate() {
            let sdk = format!("2025{:02}28T120000Z", i + 1);
            let http = format!("Xxx, 28 {name} 2025 12:00:00 GMT");
            assert_eq!(parse_http_date(&http), parse_sdk_date(&sdk), "{http}");
            assert!(parse_http_date(&http).is_some());
        }
    }

    #[test]
    fn rfc3339_times() {
        let noon = parse_sdk_date("20261201T120000Z").unwrap();
        for text in [
            "2026-12-01T12:00:00Z",
            "2026-12-01t12:00:00z",
            "2026-12-01 12:00:00Z",
            "2026-12-01T12:00:00.999999Z",
            "2026-12-01T12:00:00.5Z",
            " 2026-12-01T12:00:00Z ",
            "2026-12-01T20:00:00+08:00",
            "2026-12-01T06:30:00-05:30",
            "2026-12-01T12:00:00+00:00",
        ] {
            assert_eq!(parse_rfc3339(text), Some(noon), "{text}");
        }
        assert_eq!(format_rfc3339(noon), "2026-12-01T12:00:00Z");
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        for t in [0, 951_782_400, 4_102_444_799, 1_764_322_215] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
        for bad in [
            "",
            "2026-12-01",
            "2026-12-01T12:00:00",
            "2026-12-01T12:00Z",
            "2026-13-01T12:00:00Z",
            "2026-02-30T12:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T12:00:00+8:00",
            "2026-12-01T12:00:00+24:00",
            "2026-12-01T12:00:00.Zjunk",
            "2026-12-01T12:00:00Q",
            "12026-12-01T12:00:00Z",
            "2026-12-01T12:00:00Z+",
            "2026-12-01X12:00:00Z",
            "2026-1a-01T12:00:00Z",
            "é026-12-01T12:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn server_time_in_apig_message() {
        let m = "Incorrect app authentication information: signature expired, signature time:20230527T000431Z,server time:20230527T020608Z";
        assert_eq!(parse_server_time(m), parse_sdk_date("20230527T020608Z"));
        assert_eq!(
            parse_server_time("signature expired, server time: 20230527T020608Z"),
            parse_sdk_date("20230527T020608Z")
        );
        assert_eq!(
            parse_server_time("server time: 2023-05-27 02:06:08"),
            parse_sdk_date("20230527T020608Z")
        );
        assert_eq!(parse_server_time("signature expired"), None);
        assert_eq!(parse_server_time("server time:2023"), None);
        // Too few digits, even if zero-padding them would make a date.
        assert_eq!(parse_server_time("server time: 2023052701"), None);
        // Digits after the fourteenth are not part of the time.
        assert_eq!(
            parse_server_time("server time:2023052702060899 (UTC)"),
            parse_sdk_date("20230527T020608Z")
        );
    }
}
