//! SMS region endpoints, as in the official SDK's region table.

use crate::error::Error;
use crate::redact::shown;

/// The regions the official SDK knows, with their SMS endpoints.
pub const REGIONS: &[(&str, &str)] = &[
    ("cn-north-4", "https://sms.cn-north-4.myhuaweicloud.com"),
    (
        "ap-southeast-3",
        "https://sms.ap-southeast-3.myhuaweicloud.com",
    ),
    (
        "my-kualalumpur-1",
        "https://sms.my-kualalumpur-1.myhuaweicloud.com",
    ),
    (
        "ru-moscow-1",
        "https://sms-api.ru-moscow-1.myhuaweicloud.com",
    ),
];

/// The environment variable that overrides a region's endpoint:
/// `HUAWEICLOUD_SDK_REGION_SMS_<REGION_ID upper-cased, '-' as '_'>`.
pub fn override_var(region_id: &str) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_SMS_{}",
        region_id.to_ascii_uppercase().replace('-', "_")
    )
}

/// The SMS endpoint of `region_id`: the override variable when set, else the table.
///
/// Region ids are matched without surrounding white space and whatever
/// their letter case (`" AP-SOUTHEAST-3"` is `ap-southeast-3`). An override
/// may name any region, including one missing from the table.
pub fn endpoint_for(region_id: &str) -> Result<String, Error> {
    endpoint_with(region_id, |n| std::env::var(n).ok())
}

pub(crate) fn endpoint_with(
    region_id: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<String, Error> {
    let region_id = &region_id.trim().to_ascii_lowercase();
    if let Some(url) = env(&override_var(region_id)).filter(|v| !v.trim().is_empty()) {
        return Ok(url.trim().to_string());
    }
    REGIONS
        .iter()
        .find(|(id, _)| *id == region_id)
        .map(|(_, url)| url.to_string())
        .ok_or_else(|| {
            let known: Vec<&str> = REGIONS.iter().map(|(id, _)| *id).collect();
            let cut: String = region_id.chars().take(64).collect();
            Error::config(format!(
                "unknown region {}; known regions: {}; or set {} to the endpoint URL",
                shown(region_id),
                known.join(", "),
                shown(&override_var(&cut))
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_override() {
        let none = |_: &str| None;
        assert_eq!(
            endpoint_with("ru-moscow-1", none).unwrap(),
            "https://sms-api.ru-moscow-1.myhuaweicloud.com"
        );
        let env = |n: &str| {
            (n == "HUAWEICLOUD_SDK_REGION_SMS_CN_NORTH_4").then(|| "https://x.test".to_string())
        };
        assert_eq!(endpoint_with("cn-north-4", env).unwrap(), "https://x.test");
        let e = endpoint_with("xx-nowhere-9", none).unwrap_err().to_string();
        assert!(
            e.contains("cn-north-4") && e.contains("ap-southeast-3") && e.contains("xx-nowhere-9"),
            "{e}"
        );
        assert_eq!(
            override_var("ap-southeast-3"),
            "HUAWEICLOUD_SDK_REGION_SMS_AP_SOUTHEAST_3"
        );
    }

    #[test]
    fn region_ids_are_trimmed_and_case_insensitive() {
        let none = |_: &str| None;
        for id in ["ap-southeast-3 ", "AP-SOUTHEAST-3", "\tAp-Southeast-3\n"] {
            assert_eq!(
                endpoint_with(id, none).unwrap(),
                "https://sms.ap-southeast-3.myhuaweicloud.com",
                "{id:?}"
            );
        }
        let env = |n: &str| {
            (n == "HUAWEICLOUD_SDK_REGION_SMS_CN_NORTH_4").then(|| "https://x.test".to_string())
        };
        assert_eq!(endpoint_with(" CN-North-4", env).unwrap(), "https://x.test");
    }
}
