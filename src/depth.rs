//! The nesting limit, checked before serde_json sees a body.
//!
//! serde_json skips unknown fields (`IgnoredAny`) without any depth limit;
//! a body nested a million levels deep would be walked in full. One cheap
//! pass over the bytes enforces [`MAX_JSON_DEPTH`] for every value instead.

use crate::error::DecodeError;
use crate::limits::MAX_JSON_DEPTH;

/// An error when `body` nests deeper than [`MAX_JSON_DEPTH`], else `None`.
///
/// Brackets inside strings do not count. Malformed input is left to serde_json.
pub(crate) fn check(body: &[u8]) -> Option<DecodeError> {
    // Too deep needs more opening brackets than the limit; counting them is a
    // vectorised pass, so typical bodies skip the string-aware walk entirely.
    let openers = body.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if openers <= MAX_JSON_DEPTH {
        return None;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let (mut line, mut line_start) = (1usize, 0usize);
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    let column = i - line_start + 1;
                    return Some(DecodeError::new(
                        line,
                        column,
                        format!(
                            "nesting deeper than {MAX_JSON_DEPTH} levels at line {line} column {column}"
                        ),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> Vec<u8> {
        // The outermost object is level 1.
        let mut b = br#"{"x":"#.to_vec();
        b.extend(std::iter::repeat_n(b'[', levels - 1));
        b.extend(std::iter::repeat_n(b']', levels - 1));
        b.push(b'}');
        b
    }

    #[test]
    fn limit_is_inclusive() {
        assert!(check(&nested(MAX_JSON_DEPTH)).is_none());
        let e = check(&nested(MAX_JSON_DEPTH + 1)).unwrap();
        assert_eq!((e.line(), e.column()), (1, 5 + MAX_JSON_DEPTH));
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let mut b = br#"{"x":""#.to_vec();
        b.extend(std::iter::repeat_n(b'[', 1000));
        b.extend(br#"\"{{{", "y": "\\"}"#);
        assert!(check(&b).is_none());
    }
}
