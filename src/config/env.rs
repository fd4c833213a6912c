//! The environment's settings: [`ConfigBuilder::env`] and
//! [`Config::from_env`]. One table of names for the library, the command
//! line and C (README, "Environment variables").

use super::proxy::ProxyChoice;
use super::tls_roots::TlsRoots;
use super::{Config, ConfigBuilder};
use crate::auth::env::{default_credentials_file, env_names_credentials};
use crate::error::Error;

impl Config {
    /// Builds a config entirely from the environment:
    /// `ConfigBuilder::new().env().build()` (see [`ConfigBuilder::env`]).
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
        ConfigBuilder::new().env().build()
    }
}

impl ConfigBuilder {
    /// Takes every setting the environment gives, and keeps the builder's
    /// own for the rest. Setters called afterwards override it (the command
    /// line's flags do so).
    ///
    /// - Where: `HWSMS_ENDPOINT`, else `HUAWEICLOUD_SDK_REGION` (with its
    ///   `HUAWEICLOUD_SDK_REGION_SMS_<ID>` override).
    /// - TLS: `HWSMS_CA_FILE`, else `HWSMS_SYSTEM_ROOTS=1`.
    /// - Proxy: `HWSMS_PROXY` (a URL), else `HWSMS_PROXY_FROM_ENV=1`.
    /// - Credentials: [`Credentials::from_env`](crate::Credentials::from_env),
    ///   when the environment names any; else, when none were set before,
    ///   `~/.huaweicloud/credentials` if it exists.
    ///
    /// The switches accept `1`, `true`, `yes`, `on` and `0`, `false`, `no`,
    /// `off` in any letter case (unset or empty is off); anything else is a
    /// configuration error rather than silently "off". A variable that
    /// names a setting (`HWSMS_ENDPOINT`, `HUAWEICLOUD_SDK_REGION`,
    /// `HWSMS_CA_FILE`, `HWSMS_PROXY`) but is empty is an error too:
    /// someone meant to set it. Such errors are reported by
    /// [`build`](Self::build) (and at once by [`env_error`](Self::env_error)).
    pub fn env(self) -> Self {
        self.env_with(|name| std::env::var(name).ok())
    }

    /// Why the environment could not be taken, when it could not.
    pub fn env_error(&self) -> Option<&str> {
        self.env_error
            .as_deref()
            .or_else(|| self.credentials.env_error())
    }

    /// [`env`](Self::env) over any variable source (tests pass a map).
    pub(crate) fn env_with(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        match self.clone().apply_env(&var) {
            Ok(applied) => applied,
            Err(why) => {
                self.env_error = Some(why);
                self
            }
        }
    }

    fn apply_env(mut self, var: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let named = |name: &str| match var(name) {
            Some(v) if v.trim().is_empty() => Err(format!(
                "{name} is set but empty; unset it, or give it a value"
            )),
            other => Ok(other.map(|v| v.trim().to_string())),
        };
        let on = |name: &str| switch(name, var(name).filter(|v| !v.trim().is_empty()));
        // The region first: when both are set, the endpoint (set last) wins.
        if let Some(id) = named("HUAWEICLOUD_SDK_REGION")? {
            self = self.region(id);
        }
        if let Some(url) = named("HWSMS_ENDPOINT")? {
            self = self.endpoint(url);
        }
        let system_roots = on("HWSMS_SYSTEM_ROOTS")?;
        if let Some(ca) = named("HWSMS_CA_FILE")? {
            self = self.ca_file(ca);
        } else if system_roots {
            self = self.tls_roots(TlsRoots::System);
        }
        let proxy_from_env = on("HWSMS_PROXY_FROM_ENV")?;
        if let Some(p) = named("HWSMS_PROXY")? {
            self = self.proxy(ProxyChoice::Url(p));
        } else if proxy_from_env {
            self = self.proxy(ProxyChoice::FromEnv);
        }
        if env_names_credentials(var) {
            self.credentials = self.credentials.env_with(var);
        } else if !self.credentials.is_set() {
            // The official SDKs' default file, when nothing else says.
            if let Some(path) = default_credentials_file(var) {
                self.credentials = self.credentials.file(path);
            }
        }
        Ok(self)
    }
}

/// Reads an on/off environment switch; unset or empty is off.
fn switch(name: &str, value: Option<String>) -> Result<bool, String> {
    let Some(v) = value else {
        return Ok(false);
    };
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!(
            "{name} must be 1, true, yes or on (or 0, false, no, off), not {:?}",
            v.chars().take(32).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::env::tests::env;

    #[test]
    fn a_named_but_empty_setting_is_an_error() {
        for name in [
            "HWSMS_ENDPOINT",
            "HUAWEICLOUD_SDK_REGION",
            "HWSMS_CA_FILE",
            "HWSMS_PROXY",
        ] {
            let vars: &'static [(&'static str, &'static str)] = Box::leak(
                vec![(name, " "), ("HUAWEICLOUD_SDK_AUTH_TOKEN", "t")].into_boxed_slice(),
            );
            let b = ConfigBuilder::new()
                .endpoint("https://sms.example.com")
                .env_with(env(vars));
            let why = b.env_error().unwrap().to_string();
            assert!(why.contains(name) && why.contains("empty"), "{why}");
            let e = b.build().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn the_environment_fills_in_and_setters_after_it_override() {
        let vars = &[
            ("HWSMS_ENDPOINT", "https://from-env.example"),
            ("HUAWEICLOUD_SDK_AUTH_TOKEN", "t"),
            ("HWSMS_SYSTEM_ROOTS", ""),
        ];
        let c = ConfigBuilder::new().env_with(env(vars)).build().unwrap();
        assert_eq!(c.endpoint(), "https://from-env.example");
        let c = ConfigBuilder::new()
            .env_with(env(vars))
            .endpoint("https://flag.example")
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "https://flag.example");
        // A region given after the environment beats its endpoint too.
        let c = ConfigBuilder::new()
            .env_with(env(vars))
            .region("ru-moscow-1")
            .build()
            .unwrap();
        assert_eq!(
            c.endpoint(),
            "https://sms-api.ru-moscow-1.myhuaweicloud.com"
        );
        // Credentials set before are kept when the environment names none.
        let c = ConfigBuilder::new()
            .credentials(crate::Credentials::token("own"))
            .env_with(env(&[("HUAWEICLOUD_SDK_REGION", "cn-north-4")]))
            .build()
            .unwrap();
        assert_eq!(c.endpoint(), "https://sms.cn-north-4.myhuaweicloud.com");
        assert!(c.credentials().as_ak_sk().is_none());
    }

    #[test]
    fn switches_accept_the_usual_words_and_refuse_the_rest() {
        for on in ["1", "true", "TRUE", "Yes", "on", " on "] {
            assert!(switch("X", Some(on.into())).unwrap(), "{on}");
        }
        for off in ["0", "false", "No", "OFF"] {
            assert!(!switch("X", Some(off.into())).unwrap(), "{off}");
        }
        assert!(!switch("X", None).unwrap());
        let e = switch("HWSMS_SYSTEM_ROOTS", Some("enabled".into())).unwrap_err();
        assert!(
            e.contains("HWSMS_SYSTEM_ROOTS") && e.contains("enabled"),
            "{e}"
        );
    }
}
