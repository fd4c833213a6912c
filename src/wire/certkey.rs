//! ShowCertKey's and ShowPassphrase's answers: the keys for the TLS channel
//! to the target, held as secrets.

use std::fmt;

use super::secret::{SecretString, string_members};

/// The certificates and keys SMS hands the agent for a block-level copy
/// (ShowCertKey). Every field is PEM text, empty when SMS sent none. The
/// whole set is wiped from memory when dropped; `Debug` shows which fields
/// are present, never a key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CertKey {
    fields: [SecretString; 7],
}

impl CertKey {
    /// The answer's field names, in the order [`fields`](Self::fields) gives them.
    pub const FIELDS: [&'static str; 7] = [
        "cert",
        "private_key",
        "ca",
        "target_mgmt_cert",
        "target_mgmt_private_key",
        "target_data_cert",
        "target_data_private_key",
    ];

    fn get(&self, name: &str) -> &str {
        let at = Self::FIELDS.iter().position(|f| *f == name).unwrap_or(0);
        self.fields[at].expose()
    }

    /// `cert`: the source's certificate.
    pub fn cert(&self) -> &str {
        self.get("cert")
    }
    /// `private_key`: the source's private key.
    pub fn private_key(&self) -> &str {
        self.get("private_key")
    }
    /// `ca`: the CA certificate (sent when asked with `enable_ca_cert`).
    pub fn ca(&self) -> &str {
        self.get("ca")
    }
    /// `target_mgmt_cert`: the target's management certificate.
    pub fn target_mgmt_cert(&self) -> &str {
        self.get("target_mgmt_cert")
    }
    /// `target_mgmt_private_key`.
    pub fn target_mgmt_private_key(&self) -> &str {
        self.get("target_mgmt_private_key")
    }
    /// `target_data_cert`: the target's data-channel certificate.
    pub fn target_data_cert(&self) -> &str {
        self.get("target_data_cert")
    }
    /// `target_data_private_key`.
    pub fn target_data_private_key(&self) -> &str {
        self.get("target_data_private_key")
    }

    /// Every field as (name, PEM text, is a private key), in
    /// [`FIELDS`](Self::FIELDS) order, empty ones included.
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, &str, bool)> {
        Self::FIELDS
            .iter()
            .zip(self.fields.iter())
            .map(|(name, v)| (*name, v.expose(), is_private(name)))
    }
}

/// True for the fields that hold a private key.
pub(crate) fn is_private(field: &str) -> bool {
    field.ends_with("private_key")
}

impl fmt::Debug for CertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("CertKey");
        for (name, value, private) in self.fields() {
            let size;
            let shown: &dyn fmt::Debug = match (value.is_empty(), private) {
                (true, _) => &"",
                (false, true) => &"[REDACTED]",
                (false, false) => {
                    size = format!("{} bytes of PEM", value.len());
                    &size
                }
            };
            d.field(name, shown);
        }
        d.finish()
    }
}

/// The cert/key set in a ShowCertKey answer.
pub(crate) fn decode_cert_key(body: &[u8]) -> Result<CertKey, String> {
    let mut set = CertKey::default();
    for (name, value) in string_members(body)? {
        if let Some(at) = CertKey::FIELDS.iter().position(|f| *f == name) {
            set.fields[at] = value;
        }
    }
    if set.fields.iter().all(SecretString::is_empty) {
        return Err("it carries none of cert, private_key, ca, target_*".to_string());
    }
    Ok(set)
}

/// The passphrase in a ShowPassphrase answer (`{task_id, passphrase}`).
pub(crate) fn decode_passphrase(body: &[u8]) -> Result<SecretString, String> {
    string_members(body)?
        .into_iter()
        .find(|(name, _)| name == "passphrase")
        .map(|(_, v)| v)
        .ok_or_else(|| "it has no passphrase".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_set_and_hides_the_keys() {
        let body = br#"{"cert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n","private_key":"-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n","ca":"","target_data_private_key":"TDK","extra":5}"#;
        let set = decode_cert_key(body).unwrap();
        assert!(set.cert().starts_with("-----BEGIN CERTIFICATE-----\nMIIB"));
        assert!(set.private_key().contains("SECRETKEY\n"));
        assert_eq!(set.target_data_private_key(), "TDK");
        assert_eq!(set.ca(), "");
        let shown = format!("{set:?}");
        assert!(
            !shown.contains("SECRETKEY") && !shown.contains("TDK"),
            "{shown}"
        );
        assert!(shown.contains("private_key: \"[REDACTED]\""), "{shown}");
        let private: Vec<_> = set.fields().filter(|f| f.2).map(|f| f.0).collect();
        assert_eq!(
            private,
            [
                "private_key",
                "target_mgmt_private_key",
                "target_data_private_key"
            ]
        );
        assert!(decode_cert_key(b"{\"task_id\":\"x\"}").is_err());
    }

    #[test]
    fn decodes_the_passphrase() {
        let p = decode_passphrase(br#"{"task_id":"t1","passphrase":"p\u0040ss"}"#).unwrap();
        assert_eq!(p.expose(), "p@ss");
        assert!(decode_passphrase(br#"{"task_id":"t1"}"#).is_err());
    }
}
