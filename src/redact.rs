//! Scrubbing secrets out of text that came from outside hwsms.
//!
//! A misbehaving gateway or proxy can echo request headers back in an error
//! body, a status line or a `Location`. Such text is scrubbed once, where an
//! error leaves a call, so a secret cannot reach a log through our messages.
//! hwsms's own words are never scrubbed: they never contain a secret, and
//! rewriting them (a one-letter token inside "the") would garble them.

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Secrets at least this long are removed wherever they occur; shorter ones
/// only where they stand as a whole token, since a short string is likely to
/// occur inside ordinary words.
pub(crate) const MIN_ANYWHERE_LEN: usize = 6;

/// Removes every secret from `text` (see [`MIN_ANYWHERE_LEN`]).
pub(crate) fn scrub<S: AsRef<str>>(text: &mut String, secrets: &[S]) {
    for s in secrets.iter().map(AsRef::as_ref).filter(|s| !s.is_empty()) {
        if !text.contains(s) {
            continue;
        }
        if s.len() >= MIN_ANYWHERE_LEN {
            *text = text.replace(s, REDACTED);
        } else {
            *text = replace_whole_tokens(text, s);
        }
    }
}

/// Longest piece of user input repeated in a message, in characters.
const SHOWN_MAX_CHARS: usize = 128;

/// User input (an endpoint, a path) as a message repeats it: quoted, with
/// control characters escaped so it cannot forge lines or terminal escapes,
/// and cut after 128 characters so a megabyte of input makes a short
/// message.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SHOWN_MAX_CHARS) + 8);
    out.push('"');
    for (i, c) in text.chars().enumerate() {
        if i == SHOWN_MAX_CHARS {
            out.push_str("…\" (");
            out.push_str(&text.chars().count().to_string());
            out.push_str(" characters)");
            return out;
        }
        out.extend(c.escape_debug());
    }
    out.push('"');
    out
}

/// Bytes that continue a token: a secret next to one of them is part of a
/// longer word, not the secret itself.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/')
}

fn replace_whole_tokens(text: &str, secret: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(secret) {
        if at < copied {
            continue; // overlaps a replaced occurrence
        }
        let end = at + secret.len();
        let before_ok = at == 0 || !is_token_byte(bytes[at - 1]);
        let after_ok = end == bytes.len() || !is_token_byte(bytes[end]);
        if before_ok && after_ok {
            out.push_str(&text[copied..at]);
            out.push_str(REDACTED);
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_input_is_escaped_and_bounded() {
        assert_eq!(shown("https://x"), "\"https://x\"");
        assert_eq!(shown("a\r\nb\x1b[2J"), "\"a\\r\\nb\\u{1b}[2J\"");
        let long = shown(&"é".repeat(1_000_000));
        assert!(long.chars().count() < 200, "{}", long.len());
        assert!(long.ends_with("…\" (1000000 characters)"), "{long}");
        assert_eq!(shown(&"a".repeat(128)), format!("\"{}\"", "a".repeat(128)));
    }

    #[test]
    fn long_secrets_go_everywhere() {
        let mut t = "a SECRET1 b xSECRET1x c TOKEN6".to_string();
        scrub(&mut t, &["SECRET1", "", "TOKEN6"]);
        assert_eq!(t, "a [REDACTED] b x[REDACTED]x c [REDACTED]");
    }

    #[test]
    fn short_secrets_only_as_whole_tokens() {
        let mut t = "t refused the connection; token=t; 't' at".to_string();
        scrub(&mut t, &["t"]);
        assert_eq!(
            t,
            "[REDACTED] refused the connection; token=[REDACTED]; '[REDACTED]' at"
        );
        let mut p = "port 1080: pw 1 of 11".to_string();
        scrub(&mut p, &["1"]);
        assert_eq!(p, "port 1080: pw [REDACTED] of 11");
        // Five bytes is still short; six is long.
        let mut q = "abcde abcdef xabcdex".to_string();
        scrub(&mut q, &["abcde"]);
        assert_eq!(q, "[REDACTED] abcdef xabcdex");
    }

    #[test]
    fn a_short_secret_inside_a_longer_word_is_left_alone() {
        // Punctuation that continues a token, and non-ASCII letters.
        for word in ["k9-x", "x_k9", "k9.x", "~k9", "k9+x", "a/k9", "k9é", "ék9"] {
            let mut t = format!("in {word} now");
            scrub(&mut t, &["k9"]);
            assert_eq!(t, format!("in {word} now"));
        }
        // Punctuation that ends a token does not protect it.
        let mut t = "k9, (k9) \"k9\" k9:1 k9;".to_string();
        scrub(&mut t, &["k9"]);
        assert_eq!(
            t,
            "[REDACTED], ([REDACTED]) \"[REDACTED]\" [REDACTED]:1 [REDACTED];"
        );
    }
}
