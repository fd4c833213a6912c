//! A scanner for the common shape of a ShowCommand body, tried before serde_json.
//!
//! Nearly every real body is `{"command_name":"…","command_param":{"task_id":"…","bucket":"…"}}`
//! For exactly that shape this scanner is much faster than the general serde
//! path (one pass, no visitor machinery). It accepts a strict subset of what
//! the serde path accepts and returns the same result: strings borrow from
//! the body, and only a value with escapes is unescaped into an owned
//! string. On anything else — an unknown or duplicate key, a non-string
//! value, an escaped key, malformed input — it returns `None` and the caller
//! decodes with serde_json, which also produces the error message.

use std::borrow::Cow;

/// The fields of a body in the common shape, borrowed from it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields<'a> {
    pub(crate) name: Option<Cow<'a, str>>,
    pub(crate) task_id: Option<Cow<'a, str>>,
    pub(crate) bucket: Option<Cow<'a, str>>,
}

/// Scans `body`; `None` means "not the common shape, use the general path".
pub(crate) fn scan(body: &[u8]) -> Option<Fields<'_>> {
    // One UTF-8 check for the whole body is far cheaper than one per string;
    // every slice taken below starts and ends next to an ASCII quote, so it
    // falls on character boundaries.
    let text = std::str::from_utf8(body).ok()?;
    let mut s = Scanner {
        text,
        b: body,
        i: 0,
    };
    let mut f = Fields::default();
    let (mut seen_name, mut seen_param) = (false, false);
    s.object(
        [b"\"command_name\"", b"\"command_param\""],
        |s, key| match key {
            b"\"command_name\"" if !seen_name => {
                seen_name = true;
                f.name = s.string_or_null()?;
                Some(())
            }
            b"\"command_param\"" if !seen_param => {
                seen_param = true;
                if s.null() {
                    return Some(());
                }
                let (mut seen_task, mut seen_bucket) = (false, false);
                s.object([b"\"task_id\"", b"\"bucket\""], |s, key| match key {
                    b"\"task_id\"" if !seen_task => {
                        seen_task = true;
                        f.task_id = s.string_or_null()?;
                        Some(())
                    }
                    b"\"bucket\"" if !seen_bucket => {
                        seen_bucket = true;
                        f.bucket = s.string_or_null()?;
                        Some(())
                    }
                    _ => None,
                })
            }
            _ => None,
        },
    )?;
    s.ws();
    if s.i != body.len() {
        return None;
    }
    // The serde path treats an empty name as "nothing to do" too.
    f.name = f.name.filter(|n| !n.is_empty());
    Some(f)
}

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    /// `{ "key": value, … }` whose keys are all among `keys` (given with their
    /// quotes), calling `member` with each value's key.
    fn object<const N: usize>(
        &mut self,
        keys: [&'static [u8]; N],
        mut member: impl FnMut(&mut Self, &[u8]) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            // Comparing against the known keys is cheaper than scanning for the
            // closing quote; any other key (or an escaped one) is not this shape.
            let rest = &self.b[self.i..];
            let key = *keys.iter().find(|k| rest.starts_with(k))?;
            self.i += key.len();
            self.eat(b':')?;
            member(self, key)?;
            if self.eat(b',').is_some() {
                continue;
            }
            return self.eat(b'}');
        }
    }

    fn null(&mut self) -> bool {
        self.ws();
        let hit = self.b.get(self.i..self.i + 4) == Some(b"null");
        if hit {
            self.i += 4;
        }
        hit
    }

    fn string_or_null(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A string value, unescaped into an owned string only when it has escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.ws();
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut end = start + find_special(&self.b[start..])?;
        if self.b[end] == b'"' {
            self.i = end + 1;
            return self.text.get(start..end).map(Cow::Borrowed);
        }
        let mut out = String::with_capacity(end - start + 16);
        let mut from = start;
        loop {
            match self.b[end] {
                b'"' => {
                    out.push_str(self.text.get(from..end)?);
                    self.i = end + 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    out.push_str(self.text.get(from..end)?);
                    end = self.unescape(end + 1, &mut out)?;
                    from = end;
                }
                _ => return None, // a raw control character: invalid JSON
            }
            end += find_special(self.b.get(end..)?)?;
        }
    }

    /// Decodes the escape after the backslash at `at - 1`; returns the index after it.
    fn unescape(&self, at: usize, out: &mut String) -> Option<usize> {
        let simple = match *self.b.get(at)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4(at + 1)?;
                let (c, next) = match unit {
                    0xD800..=0xDBFF => {
                        // A surrogate pair; a lone half is left to serde_json to reject.
                        if self.b.get(at + 5..at + 7)? != b"\\u" {
                            return None;
                        }
                        let low = self.hex4(at + 7)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        (char::from_u32(code)?, at + 11)
                    }
                    // A lone low surrogate is no char: from_u32 refuses it,
                    // and serde_json then reports the error.
                    _ => (char::from_u32(unit)?, at + 5),
                };
                out.push(c);
                return Some(next);
            }
            _ => return None,
        };
        out.push(simple);
        Some(at + 1)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.b.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some(acc * 16 + (d as char).to_digit(16)?))
    }
}

/// Index of the first `"`, `\\` or control byte (< 0x20), eight bytes at a time.
fn find_special(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // High bit of a lane is set where that byte is zero. A borrow can also
    // flag lanes *above* a true zero, never below one, so the lowest flagged
    // lane is exact. The same holds for the "below 0x20" test, whose `!x`
    // keeps bytes >= 0x80 out.
    let zero_lanes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().ok()?);
        let hit = zero_lanes(x ^ (ONES * u64::from(b'"')))
            | zero_lanes(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGHS);
        if hit != 0 {
            // Little-endian: the lowest set bit is the first byte.
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| p + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(s))
    }

    #[test]
    fn common_shapes() {
        let f = scan(br#"{"command_name":"START","command_param":{"task_id":"t1"}}"#).unwrap();
        assert_eq!((f.name, f.task_id, f.bucket), (b("START"), b("t1"), None));
        let f = scan(b" {\n \"command_param\" : { \"bucket\" : \"b\", \"task_id\" : null } ,\r\n\t\"command_name\" : \"\" } ").unwrap();
        assert_eq!((f.name, f.task_id, f.bucket), (None, None, b("b")));
        assert_eq!(scan(b"{}").unwrap(), Fields::default());
        assert_eq!(
            scan(br#"{"command_param":null}"#).unwrap(),
            Fields::default()
        );
        assert_eq!(scan(br#"{"command_param":{}}"#).unwrap(), Fields::default());
        assert_eq!(
            scan("{\"command_name\":\"ÉTAPE\"}".as_bytes())
                .unwrap()
                .name,
            b("ÉTAPE")
        );
    }

    #[test]
    fn escapes_are_unescaped() {
        let f = scan(br#"{"command_name":"ST\u0041RT","command_param":{"task_id":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00z"}}"#).unwrap();
        assert_eq!(f.name.as_deref(), Some("START"));
        assert!(matches!(f.name, Some(Cow::Owned(_))));
        assert_eq!(
            f.task_id.as_deref(),
            Some("a\"b\\c/d\u{8}\u{c}\n\r\t\u{e9}\u{1F600}z")
        );
        for bad in [
            &br#"{"command_name":"\x"}"#[..],
            br#"{"command_name":"\u12"}"#,
            br#"{"command_name":"\u12g4"}"#,
            br#"{"command_name":"\ud800"}"#,
            br#"{"command_name":"\ud800\u0041"}"#,
            br#"{"command_name":"\udc00"}"#,
            br#"{"command_name":"a\"#,
            b"{\"command_name\":\"a\\n\x01\"}",
        ] {
            assert_eq!(scan(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn finds_the_first_special_byte_at_every_offset() {
        for len in 0..40 {
            for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                for at in 0..len {
                    let mut b = vec![b'a'; len];
                    b[at] = special;
                    if at + 1 < len {
                        b[at + 1] = b'"'; // a later special byte must not win
                    }
                    assert_eq!(
                        find_special(&b),
                        Some(at),
                        "len {len} at {at} byte {special}"
                    );
                }
                let mut plain = vec![0xc3u8, 0xa9, b' ', b'~', 0x7f, 0x20, 0xff];
                plain.resize(len, b'z');
                assert_eq!(find_special(&plain), None, "len {len}");
            }
        }
    }

    #[test]
    fn bytes_above_0x7f_never_count_and_never_hide_a_special() {
        // Every high byte (UTF-8 continuation and lead bytes, 0xff) before a
        // special at every offset of a word: the special is found exactly.
        for high in (0x80..=0xffu8).step_by(7).chain([0xff, 0xa2, 0xdc]) {
            for at in 0..16 {
                let mut b = vec![high; 24];
                b[at] = b'"';
                assert_eq!(find_special(&b), Some(at), "byte {high:#x} at {at}");
                b[at] = 0x01;
                assert_eq!(find_special(&b), Some(at), "byte {high:#x} at {at}");
            }
            assert_eq!(find_special(&[high; 24]), None, "byte {high:#x}");
        }
        // Bytes just above the specials: '#' and ']' (0x23, 0x5d), 0x20.
        let near = [0x21u8, 0x23, 0x5b, 0x5d, 0x20, 0x7f, 0x80, 0x21];
        assert_eq!(find_special(&near), None);
    }

    #[test]
    fn a_repeated_command_param_is_not_taken_twice() {
        let body = br#"{"command_name":"START","command_param":{"task_id":"a"},"command_param":{"task_id":"b"}}"#;
        assert!(
            scan(body).is_none(),
            "left to serde_json, which refuses duplicates"
        );
        assert!(crate::decode_command(body).is_err());
    }

    #[test]
    fn everything_else_goes_to_the_general_path() {
        for body in [
            &br#"{"comm\u0061nd_name":"START"}"#[..],
            b"{\"command_name\":\"a\tb\"}",
            b"{\"command_name\":\"\xff\"}",
            br#"{"other":1}"#,
            br#"{"command_name":"A","command_name":"B"}"#,
            br#"{"command_param":{"task_id":"a","task_id":"b"}}"#,
            br#"{"command_name":1}"#,
            br#"{"command_name":"A",}"#,
            br#"{"command_name":"A"} x"#,
            br#"{"command_name":"A""#,
            br#"{"command_name" "A"}"#,
            br#"{"command_param":[]}"#,
            br#"{"command_name":nul}"#,
            br#"{"command_name":nullx}"#,
            b"[]",
            b"",
            b"{",
            b"\"x\"",
        ] {
            assert_eq!(scan(body), None, "{}", String::from_utf8_lossy(body));
        }
    }
}
