//! What an operator should do about a failure, in words.
//!
//! Each text is written once here and used by both the errors a call
//! returns and the steps of a diagnosis, so the two never drift apart.

use std::borrow::Cow;
use std::fmt;

/// The IAM action of ShowCommand, the call an agent makes most.
pub(crate) const ACTION_SHOW_COMMAND: &str = "sms:server:getCommand";

/// The IAM action of UpdateCommandResult.
pub(crate) const ACTION_UPDATE_COMMAND_RESULT: &str = "sms:server:updateCommandResult";

// The IAM actions of the other calls an agent makes, named as SMS names
// ShowCommand's (`sms:server:` and the API's name).

/// RegisterServer.
pub(crate) const ACTION_REGISTER_SERVER: &str = "sms:server:registerServer";
/// ShowConfig.
pub(crate) const ACTION_SHOW_CONFIG: &str = "sms:server:showConfig";
/// UpdateTaskSpeed.
pub(crate) const ACTION_UPDATE_TASK_SPEED: &str = "sms:server:updateTaskSpeed";
/// ShowCertKey.
pub(crate) const ACTION_SHOW_CERT_KEY: &str = "sms:server:showCertKey";
/// ShowPassphrase.
pub(crate) const ACTION_SHOW_PASSPHRASE: &str = "sms:server:showPassphrase";
/// UpdateNetworkCheckInfo.
pub(crate) const ACTION_UPDATE_NETWORK_CHECK: &str = "sms:server:updateNetworkCheckInfo";
/// UpdateConsistencyResult.
pub(crate) const ACTION_UPDATE_CONSISTENCY: &str = "sms:server:updateConsistencyResult";

/// A signature rejected because its date is too far from the gateway's clock.
pub(crate) const SIGNATURE_EXPIRED: &str =
    "the host clock is too far from the gateway's (APIG.0303); fix the host clock (NTP)";

/// A wrong host clock that hwsms works around but an operator should fix.
pub(crate) const CLOCK_OFF: &str = "AK/SK signing still works (hwsms dates signatures with the \
     gateway's clock), but fix the host clock (NTP): SMS reports this as SMS.0205";

/// A certificate signed by a CA the config does not trust.
pub(crate) const UNTRUSTED_CA: &str = "the server certificate is signed by an untrusted CA; \
     if TLS is intercepted, configure that CA (custom CA file or system roots)";

/// What a non-2xx answer means for an operator. `code` is the error code
/// (empty when none); `action` is the IAM action the call needs, when known.
pub(crate) fn for_status(status: u16, code: &str, action: Option<&str>) -> Cow<'static, str> {
    let text = match status {
        401 if code == "APIGW.0307" => {
            "the token has expired (IAM tokens last 24 hours): let hwsms renew them, from an IAM \
             password (OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, OS_PROJECT_NAME) or from a \
             credentials file that a rotator keeps fresh (HUAWEICLOUD_SDK_CREDENTIALS_FILE)"
        }
        401 => {
            "the AK/SK or token is wrong or expired, or its scope is wrong: check the credentials; \
             not retried, because repeated AK/SK failures lock the key for 5 minutes"
        }
        403 => {
            return Cow::Owned(match action {
                Some(action) => format!(
                    "the credentials lack the IAM action {action} for this server or project"
                ),
                None => "the credentials lack the IAM permission for this call".to_string(),
            });
        }
        404 if code.starts_with("APIGW.") || code.starts_with("APIG.") => {
            "no such API at this endpoint: check the endpoint or region"
        }
        404 => {
            "no such server id in this region and project: check the server id and the \
             endpoint's region"
        }
        400 => "the request was rejected: check the server id and the scope (project or domain id)",
        429 => "throttled by the gateway: wait and retry",
        500..=599 => "server-side failure: retrying later may help",
        _ => "unexpected status for this API",
    };
    Cow::Borrowed(text)
}

/// How far this host's clock is from the gateway's: `skew` is gateway minus
/// host, in seconds.
pub(crate) fn skew(skew: i64) -> String {
    let dir = if skew >= 0 { "behind" } else { "ahead of" };
    format!(
        "this host's clock is {} s {dir} the gateway's",
        skew.unsigned_abs()
    )
}

/// A proxy that refused the login.
pub(crate) fn proxy_auth(proxy: &dyn fmt::Display) -> String {
    format!(
        "the proxy {proxy} requires authentication or rejected the credentials; \
         check the user and password in the proxy URL"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_gets_its_own_advice() {
        let cases: [(u16, &str, &str); 10] = [
            (401, "APIGW.0301", "check the credentials"),
            (401, "APIGW.0307", "let hwsms renew them"),
            (403, "SMS.9004", "sms:server:getCommand"),
            (404, "APIGW.0101", "no such API at this endpoint"),
            (404, "APIG.0101", "no such API at this endpoint"),
            (404, "SMS.0601", "check the server id"),
            (400, "SMS.0001", "the request was rejected"),
            (429, "APIGW.0308", "throttled"),
            (503, "SMS.0500", "server-side failure"),
            (418, "X", "unexpected status"),
        ];
        for (status, code, words) in cases {
            let text = for_status(status, code, Some(ACTION_SHOW_COMMAND));
            assert!(text.contains(words), "{status} {code}: {text}");
        }
        let report = for_status(403, "SMS.9004", Some(ACTION_UPDATE_COMMAND_RESULT));
        assert!(
            report.contains("sms:server:updateCommandResult"),
            "{report}"
        );
        assert!(!report.contains("getCommand"), "{report}");
        let unknown = for_status(403, "SMS.9004", None);
        assert!(unknown.contains("IAM permission"), "{unknown}");
    }

    #[test]
    fn skew_says_which_way() {
        assert_eq!(skew(90), "this host's clock is 90 s behind the gateway's");
        assert_eq!(
            skew(-1260),
            "this host's clock is 1260 s ahead of the gateway's"
        );
        // The extreme value does not overflow.
        assert!(skew(i64::MIN).contains("9223372036854775808 s ahead"));
    }
}
