//! [`Config::from_env`]: everything from the environment.

use super::proxy::ProxyChoice;
use super::tls_roots::TlsRoots;
use super::{Config, ConfigBuilder};
use crate::auth::credentials::Credentials;
use crate::error::Error;

impl Config {
    /// Builds a config entirely from the environment.
    ///
    /// - Credentials: [`Credentials::from_env`].
    /// - Where: `HWSMS_ENDPOINT`, else `HUAWEICLOUD_SDK_REGION` (with its
    ///   `HUAWEICLOUD_SDK_REGION_SMS_<ID>` override).
    /// - TLS: `HWSMS_CA_FILE`, else `HWSMS_SYSTEM_ROOTS=1`, else webpki roots.
    /// - Proxy: `HWSMS_PROXY` (a URL), else `HWSMS_PROXY_FROM_ENV=1`, else direct.
    ///
    /// The switches accept `1`, `true`, `yes`, `on` and `0`, `false`, `no`,
    /// `off` in any letter case; anything else is a configuration error
    /// rather than silently "off".
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for missing or unusable values.
    ///
    /// ```no_run
    /// // HUAWEICLOUD_SDK_AK/SK/PROJECT_ID and HUAWEICLOUD_SDK_REGION=ap-southeast-3 set.
    /// let config = hwsms::Config::from_env()?;
    /// println!("asking {}", config.endpoint());
    /// # Ok::<_, hwsms::Error>(())
    /// ```
    pub fn from_env() -> Result<Config, Error> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let credentials = Credentials::from_env()?;
        let (endpoint, region) = (var("HWSMS_ENDPOINT"), var("HUAWEICLOUD_SDK_REGION"));
        if endpoint.is_none() && region.is_none() {
            return Err(Error::config(
                "set HWSMS_ENDPOINT to the SMS endpoint URL or HUAWEICLOUD_SDK_REGION to a region id",
            ));
        }
        let mut builder = ConfigBuilder::new().credentials(credentials);
        if let Some(url) = endpoint {
            builder = builder.endpoint(url);
        }
        if let Some(id) = region {
            builder = builder.region(id);
        }
        let system_roots = switch("HWSMS_SYSTEM_ROOTS", var("HWSMS_SYSTEM_ROOTS"))?;
        if let Some(ca) = var("HWSMS_CA_FILE") {
            builder = builder.ca_file(ca);
        } else if system_roots {
            builder = builder.tls_roots(TlsRoots::System);
        }
        let proxy_from_env = switch("HWSMS_PROXY_FROM_ENV", var("HWSMS_PROXY_FROM_ENV"))?;
        if let Some(p) = var("HWSMS_PROXY") {
            builder = builder.proxy(ProxyChoice::Url(p));
        } else if proxy_from_env {
            builder = builder.proxy(ProxyChoice::FromEnv);
        }
        builder.build()
    }
}

/// Reads an on/off environment switch; unset or empty is off.
fn switch(name: &str, value: Option<String>) -> Result<bool, Error> {
    let Some(v) = value else {
        return Ok(false);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::config(format!(
            "{name} must be 1, true, yes or on (or 0, false, no, off), not {:?}",
            v.chars().take(32).collect::<String>()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_accept_the_usual_words_and_refuse_the_rest() {
        for on in ["1", "true", "TRUE", "Yes", "on", " on "] {
            assert!(switch("X", Some(on.into())).unwrap(), "{on}");
        }
        for off in ["0", "false", "No", "OFF"] {
            assert!(!switch("X", Some(off.into())).unwrap(), "{off}");
        }
        assert!(!switch("X", None).unwrap());
        let e = switch("HWSMS_SYSTEM_ROOTS", Some("enabled".into()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("HWSMS_SYSTEM_ROOTS") && e.contains("enabled"),
            "{e}"
        );
    }
}
