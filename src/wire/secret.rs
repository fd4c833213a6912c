//! Secret text: credentials (a secret key, a token, a password) and what
//! answers carry (a private key, a passphrase). Wiped when dropped, never
//! printed; the secrets in answers are read from JSON without copies.
//!
//! serde_json unescapes a string through a scratch buffer it never wipes,
//! and a PEM key in JSON is full of `\n` escapes. So the flat objects that
//! carry secrets are read here instead: every string is unescaped straight
//! into a buffer sized once (never reallocated) and wiped on drop.

use std::fmt;

use zeroize::Zeroizing;

use crate::limits::MAX_JSON_DEPTH;

/// A secret string: wiped when dropped, `[REDACTED]` in `Debug`, and no
/// `Display`. Read it with [`expose`](Self::expose).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Holds `secret` (moved, not copied).
    pub(crate) fn new(secret: String) -> Self {
        SecretString(Zeroizing::new(secret))
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when there is no secret (SMS sent an empty string or nothing).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "[REDACTED]"
        })
    }
}

/// The string members of a flat JSON object, in order, each unescaped into
/// a wiped buffer. Members of other types are skipped.
pub(crate) fn string_members(body: &[u8]) -> Result<Vec<(String, SecretString)>, String> {
    let mut r = Reader { body, at: 0 };
    let mut out = Vec::new();
    r.expect(b'{')?;
    if r.peek() == Some(b'}') {
        r.at += 1;
        return r.end(out);
    }
    loop {
        let key = r.string()?;
        r.expect(b':')?;
        match r.peek() {
            Some(b'"') => {
                let value = r.string()?;
                out.push((key.expose().to_string(), value));
            }
            _ => r.skip_value()?,
        }
        match r.next_byte() {
            Some(b',') => continue,
            Some(b'}') => return r.end(out),
            _ => return Err(r.error("',' or '}'")),
        }
    }
}

struct Reader<'a> {
    body: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self
            .body
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.body.get(self.at).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn error(&self, wanted: &str) -> String {
        format!("expected {wanted} at byte {}", self.at)
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        match self.next_byte() {
            Some(found) if found == b => Ok(()),
            _ => Err(self.error(match b {
                b'{' => "'{'",
                b':' => "':'",
                _ => "a string",
            })),
        }
    }

    fn end<T>(&mut self, out: T) -> Result<T, String> {
        match self.peek() {
            None => Ok(out),
            Some(_) => Err(self.error("the end of the body")),
        }
    }

    /// A string, unescaped into a buffer that can hold it without growing.
    fn string(&mut self) -> Result<SecretString, String> {
        self.expect(b'"')?;
        let start = self.at;
        let end = self.string_end()?;
        let raw = &self.body[start..end];
        self.at = end + 1;
        let mut out = Zeroizing::new(String::with_capacity(raw.len()));
        let mut i = 0;
        while i < raw.len() {
            if raw[i] != b'\\' {
                let run = raw[i..]
                    .iter()
                    .position(|&b| b == b'\\')
                    .unwrap_or(raw.len() - i);
                let text = std::str::from_utf8(&raw[i..i + run])
                    .map_err(|_| format!("a string is not UTF-8 near byte {}", start + i))?;
                out.push_str(text);
                i += run;
                continue;
            }
            let escape = raw.get(i + 1).copied();
            i += 2;
            let c = match escape {
                Some(b'n') => '\n',
                Some(b'r') => '\r',
                Some(b't') => '\t',
                Some(b'b') => '\u{8}',
                Some(b'f') => '\u{c}',
                Some(b'/') => '/',
                Some(b'\\') => '\\',
                Some(b'"') => '"',
                Some(b'u') => {
                    let (c, used) = unicode_escape(&raw[i..])
                        .ok_or_else(|| format!("a bad \\u escape near byte {}", start + i))?;
                    i += used;
                    c
                }
                _ => return Err(format!("a bad escape near byte {}", start + i)),
            };
            out.push(c);
        }
        Ok(SecretString(out))
    }

    /// The index of the closing quote of the string that starts at `at`.
    fn string_end(&self) -> Result<usize, String> {
        let mut i = self.at;
        while let Some(&b) = self.body.get(i) {
            match b {
                b'"' => return Ok(i),
                b'\\' => i += 2,
                0..=0x1f => return Err(format!("a control character in a string at byte {i}")),
                _ => i += 1,
            }
        }
        Err("the body ends inside a string".to_string())
    }

    /// Skips a number, literal, array or object (bounded nesting).
    fn skip_value(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err("the body ends inside a value".to_string()),
                Some(b'"') => {
                    self.at += 1;
                    self.at = self.string_end()? + 1;
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    if depth > MAX_JSON_DEPTH {
                        return Err("values nest too deeply".to_string());
                    }
                    self.at += 1;
                }
                Some(b'}' | b']') if depth > 0 => {
                    depth -= 1;
                    self.at += 1;
                }
                Some(b',' | b':') if depth > 0 => self.at += 1,
                Some(b',' | b'}' | b']' | b':') => return Err(self.error("a value")),
                Some(_) => {
                    let token = self.body[self.at..]
                        .iter()
                        .position(|b| {
                            matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                        })
                        .unwrap_or(self.body.len() - self.at);
                    self.at += token;
                }
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }
}

/// `XXXX` (and a following `\uXXXX` low surrogate) as a char, and how many
/// bytes it used.
fn unicode_escape(raw: &[u8]) -> Option<(char, usize)> {
    let hex4 = |b: &[u8]| -> Option<u32> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    let high = hex4(raw)?;
    if (0xD800..0xDC00).contains(&high) {
        if raw.get(4..6)? != b"\\u" {
            return None;
        }
        let low = hex4(&raw[6..])?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return char::from_u32(c).map(|c| (c, 10));
    }
    char::from_u32(high).map(|c| (c, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(body: &str) -> Vec<(String, String)> {
        string_members(body.as_bytes())
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, v.expose().to_string()))
            .collect()
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let body = r#" {"a":"x\ny\"z\\ \u00e9 \ud83d\ude00","n":1.5e3,"o":{"k":[1,"}"]},"b":"", "t":true,"z":null} "#;
        let ours = members(body);
        let theirs: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(ours.len(), 2);
        for (k, v) in ours {
            assert_eq!(theirs[&k], v.as_str(), "{k}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_flat_object() {
        for bad in [
            "",
            "[]",
            "{",
            r#"{"a"}"#,
            r#"{"a":"x"#,
            r#"{"a":"\q"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":1}x"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":}"#,
        ] {
            assert!(string_members(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(string_members(deep.as_bytes()).is_err());
        assert!(members("{}").is_empty());
    }

    #[test]
    fn a_secret_never_prints() {
        let s = SecretString::new("-----BEGIN PRIVATE KEY-----".into());
        assert_eq!(format!("{s:?}"), "[REDACTED]");
    }
}
