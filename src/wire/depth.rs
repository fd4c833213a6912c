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
    fn only_opening_brackets_count_toward_the_pre_check() {
        // Bodies of nothing but one kind of opener: the pre-check must count
        // each kind, or such a body would skip the walk and pass.
        for opener in [b'[', b'{'] {
            let body = vec![opener; 200];
            let e = check(&body).expect("too deep");
            assert_eq!((e.line(), e.column()), (1, MAX_JSON_DEPTH + 1));
        }
    }

    #[test]
    fn closing_brackets_end_a_level() {
        // 300 sibling arrays, never deeper than 2: closing must count.
        let mut b = br#"{"x":["#.to_vec();
        for i in 0..300 {
            if i > 0 {
                b.push(b',');
            }
            b.extend(b"[1]");
        }
        b.extend(b"]}");
        assert!(check(&b).is_none());
    }

    #[test]
    fn an_escaped_quote_does_not_end_the_string() {
        // Inside the string: \" then 200 brackets; they are text, not nesting.
        let mut b = br#"{"x":"\""#.to_vec();
        b.extend(std::iter::repeat_n(b'[', 200));
        b.extend(br#""}"#);
        assert!(check(&b).is_none());
        // An escaped backslash does end the escape: \\" closes the string.
        let mut b = br#"{"x":"\\"#.to_vec();
        b.extend(br#"", "y":"#);
        b.extend(std::iter::repeat_n(b'[', 200));
        assert!(check(&b).is_some());
    }

    #[test]
    fn the_position_counts_lines_and_columns_from_one() {
        let mut b = b"{\n  \"x\":\n".to_vec();
        b.extend(std::iter::repeat_n(b'[', 200));
        let e = check(&b).expect("too deep");
        // Line 3 starts with the brackets; '{' was level 1, so the 127th
        // bracket is the first past the limit.
        assert_eq!((e.line(), e.column()), (3, MAX_JSON_DEPTH));
        assert!(e.message().contains("line 3 column 127"), "{}", e.message());
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let mut b = br#"{"x":""#.to_vec();
        b.extend(std::iter::repeat_n(b'[', 1000));
        b.extend(br#"\"{{{", "y": "\\"}"#);
        assert!(check(&b).is_none());
    }
}
