//! Scrubbing secrets out of text that came from the server.
//!
//! A misbehaving gateway or proxy can echo request headers back in an error
//! body or a `Location`. Every such string is scrubbed before it is stored in
//! an error, so a secret cannot reach a log through our messages.

/// What replaces a secret.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Replaces every occurrence of each secret in `text`.
pub(crate) fn scrub(text: &mut String, secrets: &[&str]) {
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(s) {
            *text = text.replace(s, REDACTED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_every_occurrence() {
        let mut t = "a SECRET b SECRET c TOKEN".to_string();
        scrub(&mut t, &["SECRET", "", "TOKEN"]);
        assert_eq!(t, "a [REDACTED] b [REDACTED] c [REDACTED]");
    }
}
