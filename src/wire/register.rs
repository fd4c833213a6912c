//! RegisterServer's body (`POST /v3/sources`): the required fields typed,
//! the many optional ones (what the environment check later reads) kept as
//! JSON, and the rules SMS applies checked before anything is sent.

use serde::Serialize;
use serde_json::{Map, Value};

use super::json::{check_size, to_json};
use crate::error::InvalidRequest;

/// The source's operating system family: `os_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsType {
    /// `LINUX`.
    Linux,
    /// `WINDOWS`.
    Windows,
}

impl OsType {
    /// The wire value: `LINUX` or `WINDOWS`.
    pub fn as_str(self) -> &'static str {
        match self {
            OsType::Linux => "LINUX",
            OsType::Windows => "WINDOWS",
        }
    }
}

/// The address SMS reaches the source at: exactly one of `ip` and `ipv6`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceAddress {
    /// `ip`: an IPv4 address.
    Ipv4(String),
    /// `ipv6`: an IPv6 address.
    Ipv6(String),
}

/// One network interface: an entry of `networks`. SMS requires the first
/// entry's `mac`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Nic {
    /// The interface name, e.g. `eth0`.
    pub name: String,
    /// Its MAC address, e.g. `fa:16:3e:12:34:56`.
    pub mac: String,
    /// Its IPv4 address.
    pub ip: String,
    /// Its netmask, e.g. `255.255.255.0`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub netmask: String,
    /// Its gateway.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
    /// Its IPv6 address, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<String>,
    /// Its MTU, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
}

/// The fields the environment check after registration reads on Linux.
pub const LINUX_CHECK_FIELDS: [&str; 7] = [
    "btrfs_list",
    "volume_groups",
    "has_rsync",
    "has_tc",
    "paravirtualization",
    "raw_devices",
    "boot_loader",
];

/// The fields the environment check after registration reads on Windows.
pub const WINDOWS_CHECK_FIELDS: [&str; 4] = [
    "driver_files",
    "system_services",
    "account_rights",
    "system_dir",
];

/// A RegisterServer request body. The constructor takes the required
/// fields; [`network`](Self::network) adds interfaces (at least one, the
/// first with a MAC) and [`field`](Self::field) any other documented field
/// (`disks`, `btrfs_list`, `volume_groups`, …). Checked in full when sent.
///
/// ```
/// use hwsms::agent::{Nic, OsType, SourceAddress, SourceRegistration};
///
/// let body = SourceRegistration::new("web-01", OsType::Linux, "CENTOS_7_9_64BIT", "25.3.0",
///         SourceAddress::Ipv4("192.168.0.10".into()))
///     .network(Nic { name: "eth0".into(), mac: "fa:16:3e:12:34:56".into(),
///                    ip: "192.168.0.10".into(), ..Nic::default() })
///     .field("has_rsync", true);
/// assert!(body.missing_for_environment_check().contains(&"btrfs_list"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRegistration {
    fields: Map<String, Value>,
}

impl SourceRegistration {
    /// A body with the required fields other than `networks`.
    pub fn new(
        name: &str,
        os_type: OsType,
        os_version: &str,
        agent_version: &str,
        address: SourceAddress,
    ) -> Self {
        let mut fields = Map::new();
        fields.insert("name".into(), name.into());
        fields.insert("os_type".into(), os_type.as_str().into());
        fields.insert("os_version".into(), os_version.into());
        fields.insert("agent_version".into(), agent_version.into());
        let (key, ip) = match address {
            SourceAddress::Ipv4(ip) => ("ip", ip),
            SourceAddress::Ipv6(ip) => ("ipv6", ip),
        };
        fields.insert(key.into(), ip.into());
        fields.insert("networks".into(), Value::Array(Vec::new()));
        SourceRegistration { fields }
    }

    /// Adds a network interface to `networks`.
    pub fn network(mut self, nic: Nic) -> Self {
        let nic = serde_json::to_value(nic).unwrap_or(Value::Null);
        match self.fields.get_mut("networks") {
            Some(Value::Array(list)) => list.push(nic),
            _ => {
                self.fields
                    .insert("networks".into(), Value::Array(vec![nic]));
            }
        }
        self
    }

    /// Sets any other field of the body, as SMS's API reference names it.
    pub fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.into(), value.into());
        self
    }

    /// A body written elsewhere (the `hwsms register --body` file): one JSON
    /// object, checked like a built one.
    ///
    /// # Errors
    ///
    /// Text that is not a JSON object, or that lacks a required field
    /// (named in the message).
    pub fn from_json(text: &str) -> Result<Self, InvalidRequest> {
        check_size("the registration body", text.len())?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| InvalidRequest::new(format!("the registration body is not JSON: {e}")))?;
        let Value::Object(fields) = value else {
            return Err(InvalidRequest::new(
                "the registration body must be a JSON object",
            ));
        };
        let body = SourceRegistration { fields };
        body.check()?;
        Ok(body)
    }

    /// The fields the environment check will read that this body lacks,
    /// for its `os_type` (empty when it has all of them).
    pub fn missing_for_environment_check(&self) -> Vec<&'static str> {
        let wanted: &[&'static str] = match self.fields.get("os_type").and_then(Value::as_str) {
            Some("WINDOWS") => &WINDOWS_CHECK_FIELDS,
            _ => &LINUX_CHECK_FIELDS,
        };
        wanted
            .iter()
            .copied()
            .filter(|k| !self.fields.contains_key(*k))
            .collect()
    }

    /// SMS's rules for the body: every required field present and usable.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        for key in ["name", "os_version", "agent_version"] {
            required_text(&self.fields, key)?;
        }
        match required_text(&self.fields, "os_type")? {
            "LINUX" | "WINDOWS" => {}
            other => {
                return Err(InvalidRequest::new(format!(
                    "os_type is {other:?}; SMS accepts LINUX or WINDOWS"
                )));
            }
        }
        let has = |k: &str| self.fields.get(k).is_some_and(|v| !v.is_null());
        match (has("ip"), has("ipv6")) {
            (true, true) => {
                return Err(InvalidRequest::new(
                    "the body has both ip and ipv6; SMS takes exactly one",
                ));
            }
            (false, false) => {
                return Err(InvalidRequest::new(
                    "missing required field ip (or ipv6): the address SMS reaches the source at",
                ));
            }
            (true, false) => required_text(&self.fields, "ip").map(drop)?,
            (false, true) => required_text(&self.fields, "ipv6").map(drop)?,
        }
        let networks = match self.fields.get("networks") {
            Some(Value::Array(list)) => list,
            Some(_) => return Err(InvalidRequest::new("networks must be an array")),
            None => return Err(InvalidRequest::new("missing required field networks")),
        };
        let Some(first) = networks.first() else {
            return Err(InvalidRequest::new(
                "networks is empty; SMS needs at least one interface, the first with its mac",
            ));
        };
        if networks.iter().any(|n| !n.is_object()) {
            return Err(InvalidRequest::new(
                "each entry of networks must be an object",
            ));
        }
        match first.get("mac").and_then(Value::as_str) {
            Some(mac) if !mac.trim().is_empty() => {}
            _ => {
                return Err(InvalidRequest::new(
                    "missing required field networks[0].mac: SMS identifies the source by it",
                ));
            }
        }
        if let Some(disks) = self.fields.get("disks") {
            if !disks
                .as_array()
                .is_some_and(|d| d.iter().all(Value::is_object))
            {
                return Err(InvalidRequest::new("disks must be an array of objects"));
            }
        }
        Ok(())
    }

    /// The checked body as sent.
    pub(crate) fn to_body(&self) -> Result<Vec<u8>, InvalidRequest> {
        self.check()?;
        to_json("the registration body", &self.fields)
    }
}

/// The non-empty string at `key`, or why not.
fn required_text<'a>(fields: &'a Map<String, Value>, key: &str) -> Result<&'a str, InvalidRequest> {
    match fields.get(key) {
        None | Some(Value::Null) => {
            Err(InvalidRequest::new(format!("missing required field {key}")))
        }
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(InvalidRequest::new(format!("{key} is empty"))),
        Some(_) => Err(InvalidRequest::new(format!("{key} must be a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> SourceRegistration {
        SourceRegistration::new(
            "web-01",
            OsType::Linux,
            "CENTOS_7_9_64BIT",
            "25.3.0",
            SourceAddress::Ipv4("10.0.0.5".into()),
        )
        .network(Nic {
            name: "eth0".into(),
            mac: "fa:16:3e:00:00:01".into(),
            ip: "10.0.0.5".into(),
            ..Nic::default()
        })
    }

    fn refusal(json: &str) -> String {
        SourceRegistration::from_json(json)
            .unwrap_err()
            .message()
            .to_string()
    }

    #[test]
    fn a_built_body_carries_every_required_field() {
        let body: Value = serde_json::from_slice(&good().to_body().unwrap()).unwrap();
        assert_eq!(body["os_type"], "LINUX");
        assert_eq!(body["ip"], "10.0.0.5");
        assert!(body.get("ipv6").is_none());
        assert_eq!(body["networks"][0]["mac"], "fa:16:3e:00:00:01");
        assert!(body["networks"][0].get("netmask").is_none(), "{body}");
    }

    #[test]
    fn each_missing_field_is_named() {
        let body: Value = serde_json::from_slice(&good().to_body().unwrap()).unwrap();
        for key in [
            "name",
            "os_type",
            "os_version",
            "agent_version",
            "networks",
            "ip",
        ] {
            let mut without = body.clone();
            without.as_object_mut().unwrap().remove(key);
            let message = refusal(&without.to_string());
            assert!(message.contains(key), "{key}: {message}");
        }
    }

    #[test]
    fn sms_rules_are_applied() {
        assert!(refusal(r#"{"name":"a","os_type":"LINUX","os_version":"x","agent_version":"1","ip":"1.2.3.4","networks":[]}"#).contains("networks is empty"));
        assert!(refusal(r#"{"name":"a","os_type":"LINUX","os_version":"x","agent_version":"1","ip":"1.2.3.4","networks":[{"mac":""}]}"#).contains("networks[0].mac"));
        assert!(refusal(r#"{"name":"a","os_type":"LINUX","os_version":"x","agent_version":"1","ip":"1.2.3.4","ipv6":"::1","networks":[{"mac":"m"}]}"#).contains("both ip and ipv6"));
        assert!(refusal(r#"{"name":"a","os_type":"SOLARIS","os_version":"x","agent_version":"1","ip":"1.2.3.4","networks":[{"mac":"m"}]}"#).contains("LINUX or WINDOWS"));
        assert!(refusal(r#"{"name":" ","os_type":"LINUX","os_version":"x","agent_version":"1","ip":"1.2.3.4","networks":[{"mac":"m"}]}"#).contains("name is empty"));
        assert!(refusal(r#"{"name":"a","os_type":"LINUX","os_version":"x","agent_version":"1","ip":"1.2.3.4","networks":[{"mac":"m"}],"disks":{}}"#).contains("disks"));
        assert!(refusal("[1]").contains("JSON object"));
        assert!(refusal("{").contains("not JSON"));
        let ok = SourceRegistration::from_json(r#"{"name":"a","os_type":"WINDOWS","os_version":"x","agent_version":"1","ipv6":"::1","networks":[{"mac":"m"}],"disks":[{"name":"C:"}]}"#).unwrap();
        assert_eq!(
            ok.missing_for_environment_check(),
            WINDOWS_CHECK_FIELDS.to_vec()
        );
    }
}
