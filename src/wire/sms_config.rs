//! ShowConfig's answer (`GET /v3/config`): `{config: {string: string},
//! regions: [{string: string}]}`, decoded without copying strings.

use std::borrow::Cow;

use serde::Deserialize;

/// The settings SMS gives an agent at start (the main region, the OBS
/// domain, …), borrowed from the answer's body. A value with JSON escapes
/// is the one string that is copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SmsSettings<'a> {
    /// `config`: name-value pairs, in the answer's order.
    #[serde(borrow, default, deserialize_with = "pairs::deserialize")]
    pub config: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// `regions`: one set of name-value pairs per region.
    #[serde(borrow, default, deserialize_with = "region_list::deserialize")]
    pub regions: Vec<Vec<(Cow<'a, str>, Cow<'a, str>)>>,
}

impl SmsSettings<'_> {
    /// The `config` value named `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.config
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

/// A JSON object of strings as ordered pairs (a map type would reorder or
/// allocate a tree).
mod pairs {
    use std::borrow::Cow;
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{MapAccess, Visitor};

    pub(super) type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

    pub(super) struct PairsVisitor;

    impl<'de> Visitor<'de> for PairsVisitor {
        type Value = Pairs<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(pair) = map.next_entry::<Borrowed<'de>, Borrowed<'de>>()? {
                out.push((pair.0.0, pair.1.0));
            }
            Ok(out)
        }
    }

    /// A string, borrowed when it has no escapes.
    pub(super) struct Borrowed<'a>(pub(super) Cow<'a, str>);

    impl<'de> serde::Deserialize<'de> for Borrowed<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Cow<'de, str>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                    Ok(Cow::Borrowed(s))
                }
                fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                    Ok(Cow::Owned(s.to_string()))
                }
            }
            d.deserialize_str(V).map(Borrowed)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Pairs<'de>, D::Error> {
        d.deserialize_map(PairsVisitor)
    }
}

mod region_list {
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{SeqAccess, Visitor};

    use super::pairs::{Pairs, PairsVisitor};

    struct Region<'a>(Pairs<'a>);

    impl<'de> serde::Deserialize<'de> for Region<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_map(PairsVisitor).map(Region)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<Pairs<'de>>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<Pairs<'de>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(region) = seq.next_element::<Region<'de>>()? {
                    out.push(region.0);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V)
    }
}

/// Decodes a ShowConfig answer.
pub(crate) fn decode_settings(body: &[u8]) -> Result<SmsSettings<'_>, serde_json::Error> {
    serde_json::from_slice(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_from_the_body() {
        let body = br#"{"config":{"main_region":"ap-southeast-3","obs_domain":"obs.a\/b"},"regions":[{"id":"r1","name":"HK"}],"other":1}"#;
        let s = decode_settings(body).unwrap();
        assert_eq!(s.get("main_region"), Some("ap-southeast-3"));
        assert!(matches!(s.config[0].1, Cow::Borrowed(_)));
        assert_eq!(s.get("obs_domain"), Some("obs.a/b"));
        assert_eq!(s.regions[0][1], ("name".into(), "HK".into()));
        assert!(decode_settings(br#"{"config":{"a":1}}"#).is_err());
        assert_eq!(decode_settings(b"{}").unwrap(), SmsSettings::default());
    }
}
