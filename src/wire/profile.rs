//! The credentials file: the official SDKs' INI profile
//! (`~/.huaweicloud/credentials`), whose `[basic]` section holds `ak`,
//! `sk`, `security_token`, `project_id` and `domain_id`, plus two keys of
//! hwsms's own: `auth_token` (an IAM token) and `expires_at` (RFC 3339).
//! Parsing only; reading and watching the file is `auth::file`'s.

use super::date::parse_rfc3339;

/// What the `[basic]` section of a credentials file says.
#[derive(Default, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) ak: Option<String>,
    pub(crate) sk: Option<String>,
    pub(crate) security_token: Option<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) domain_id: Option<String>,
    pub(crate) auth_token: Option<String>,
    /// Unix seconds.
    pub(crate) expires_at: Option<i64>,
}

// Never shows a value: most of them are secrets.
impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("ak", &self.ak.is_some())
            .field("auth_token", &self.auth_token.is_some())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Parses the INI text the way Python's configparser (which the official
/// SDKs' profile format follows) reads it: `[section]` headers, `key = value`
/// or `key: value` lines, `#` and `;` comment lines, keys in any letter
/// case, values trimmed, an empty value the same as none. Only `[basic]`
/// is read; keys other than the seven known are ignored (the SDKs keep
/// more there).
///
/// # Errors
///
/// A line that is none of the above, a key given twice in `[basic]`, no
/// `[basic]` section, or an `expires_at` that is not an RFC 3339 time; the
/// message names the line, never a value.
pub(crate) fn parse_profile(text: &str) -> Result<Profile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut profile = Profile::default();
    let mut section: Option<&str> = None;
    let mut saw_basic = false;
    let mut seen: Vec<&str> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let (key, value) = match line_of(raw.trim()).map_err(|e| format!("line {number}: {e}"))? {
            Line::Blank => continue,
            Line::Section(name) => {
                saw_basic |= name == "basic";
                section = Some(name);
                continue;
            }
            Line::Entry(key, value) => (key, value),
        };
        if section.is_none() {
            return Err(format!(
                "line {number}: a key before any [section]; put the keys under [basic]"
            ));
        }
        // Only the known keys of [basic] count (and only they are ever
        // named in a message: the file's text is not repeated).
        let Some(key) = KNOWN.iter().find(|k| k.eq_ignore_ascii_case(key)) else {
            continue;
        };
        if section != Some("basic") {
            continue;
        }
        if seen.contains(key) {
            return Err(format!("line {number}: {key} is given twice in [basic]"));
        }
        seen.push(key);
        set(&mut profile, key, value).map_err(|e| format!("line {number}: {e}"))?;
    }
    if !saw_basic {
        return Err(
            "no [basic] section: the keys (ak and sk, or auth_token) go under [basic]".into(),
        );
    }
    Ok(profile)
}

/// The keys of `[basic]` that hwsms reads.
const KNOWN: [&str; 7] = [
    "ak",
    "sk",
    "security_token",
    "project_id",
    "domain_id",
    "auth_token",
    "expires_at",
];

/// One line of the file, trimmed.
enum Line<'a> {
    /// Empty, or a comment.
    Blank,
    Section(&'a str),
    /// A key (as written) and its value (trimmed).
    Entry(&'a str, &'a str),
}

fn line_of(line: &str) -> Result<Line<'_>, &'static str> {
    if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
        return Ok(Line::Blank);
    }
    if let Some(name) = line.strip_prefix('[') {
        let name = name
            .strip_suffix(']')
            .ok_or("a section header must end with ]")?;
        return Ok(Line::Section(name.trim()));
    }
    let at = line
        .find(['=', ':'])
        .ok_or("expected `key = value`, a [section] or a comment")?;
    let key = line[..at].trim();
    if key.is_empty() {
        return Err("a value without a key");
    }
    Ok(Line::Entry(key, line[at + 1..].trim()))
}

/// Sets one known key; an empty value is the same as none.
fn set(profile: &mut Profile, key: &str, value: &str) -> Result<(), String> {
    let value = (!value.is_empty()).then(|| value.to_string());
    match key {
        "ak" => profile.ak = value,
        "sk" => profile.sk = value,
        "security_token" => profile.security_token = value,
        "project_id" => profile.project_id = value,
        "domain_id" => profile.domain_id = value,
        "auth_token" => profile.auth_token = value,
        _ => {
            profile.expires_at =
                match value {
                    None => None,
                    Some(v) => Some(parse_rfc3339(&v).ok_or(
                        "expires_at must be an RFC 3339 UTC time, e.g. 2026-12-01T12:00:00Z",
                    )?),
                }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_format_with_our_two_keys() {
        let text = "\u{feff}# rotated by vault-agent\n\
                    [global]\nak = not-this\n\n\
                    [basic]\n\
                    AK = HPUAEXAMPLE\n\
                    sk: s3cr3t\n\
                    security_token = st\n\
                    project_id=0a1b\n\
                    ; a comment\n\
                    iam_endpoint = https://iam.example\n\
                    expires_at = 2026-12-01T12:00:00.5Z\n\
                    domain_id =\n";
        let p = parse_profile(text).unwrap();
        assert_eq!(p.ak.as_deref(), Some("HPUAEXAMPLE"));
        assert_eq!(p.sk.as_deref(), Some("s3cr3t"));
        assert_eq!(p.security_token.as_deref(), Some("st"));
        assert_eq!(p.project_id.as_deref(), Some("0a1b"));
        assert_eq!(p.domain_id, None);
        assert_eq!(p.auth_token, None);
        assert_eq!(p.expires_at, parse_rfc3339("2026-12-01T12:00:00Z"));
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("HPUA"), "{dbg}");
        let t = parse_profile("[basic]\r\nauth_token = MIIT\r\n").unwrap();
        assert_eq!(t.auth_token.as_deref(), Some("MIIT"));
    }

    #[test]
    fn errors_name_the_line_never_a_value() {
        for (text, want) in [
            ("ak = x\n[basic]\n", "line 1: a key before any [section]"),
            ("[basic\nak = x\n", "line 1: a section header must end"),
            (
                "[basic]\njust-a-secret-value\n",
                "line 2: expected `key = value`",
            ),
            ("[basic]\n= secret\n", "line 2: a value without a key"),
            ("[basic]\nsk = a\nSK = b\n", "line 3: sk is given twice"),
            (
                "[basic]\nexpires_at = tomorrow\n",
                "line 2: expires_at must be",
            ),
            ("[other]\nak = x\n", "no [basic] section"),
            ("", "no [basic] section"),
        ] {
            let e = parse_profile(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
            assert!(!e.contains("secret") && !e.contains("tomorrow"), "{e}");
        }
    }
}
