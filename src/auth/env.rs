//! Credentials from the environment: which variables name which source,
//! and which source wins when several are set (README, "Credentials that
//! last").

use std::path::PathBuf;

use super::credentials::Credentials;
use super::fixed::AkSk;
use super::iam::IamPassword;
use crate::error::Error;

/// Every variable that names credentials; when none is set,
/// [`ConfigBuilder::env`](crate::config::ConfigBuilder::env) keeps the
/// credentials set before it.
const ENV_NAMES: [&str; 13] = [
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_DOMAIN_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_AUTH_TOKEN",
    "CLOUD_SDK_AK",
    "CLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
    "OS_USERNAME",
    "OS_PASSWORD",
    "HWSMS_CREDENTIALS_SOURCE",
    "HWSMS_METADATA_ENDPOINT",
];

/// True when the environment names any credential (a non-empty variable of
/// [`Credentials::from_env`]'s).
pub(crate) fn env_names_credentials(var: &dyn Fn(&str) -> Option<String>) -> bool {
    ENV_NAMES
        .iter()
        .any(|n| var(n).is_some_and(|v| !v.is_empty()))
}

/// The official SDKs' default credentials file, `~/.huaweicloud/credentials`
/// (`%USERPROFILE%\.huaweicloud\credentials` on Windows), when it exists.
pub(crate) fn default_credentials_file(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let home = var("HOME")
        .or_else(|| var("USERPROFILE"))
        .filter(|h| !h.is_empty())?;
    let path = PathBuf::from(home).join(".huaweicloud").join("credentials");
    path.is_file().then_some(path)
}

impl Credentials {
    /// Credentials from the environment, the first of these that is set
    /// (the README's "Credentials that last" has the table):
    ///
    /// 1. `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK` (or, when both are
    ///    unset, `CLOUD_SDK_AK` and `CLOUD_SDK_SK`, the names the API pages'
    ///    samples use), with `HUAWEICLOUD_SDK_PROJECT_ID` or
    ///    `HUAWEICLOUD_SDK_DOMAIN_ID` and `HUAWEICLOUD_SDK_SECURITY_TOKEN`;
    /// 2. the credentials file `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
    ///    `~/.huaweicloud/credentials` when it exists;
    /// 3. an IAM password: `OS_USERNAME`, `OS_PASSWORD`,
    ///    `OS_USER_DOMAIN_NAME` (or `OS_DOMAIN_NAME`), `OS_PROJECT_ID` (or
    ///    `OS_PROJECT_NAME`), and `OS_AUTH_URL` (else
    ///    `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else the region's IAM);
    /// 4. the ECS metadata service, when `HWSMS_CREDENTIALS_SOURCE=metadata`
    ///    (at `HWSMS_METADATA_ENDPOINT`, default `http://169.254.169.254`);
    /// 5. `HUAWEICLOUD_SDK_AUTH_TOKEN`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when an AK is set without its SK (or the reverse),
    /// a user without a password (or the reverse), an unknown
    /// `HWSMS_CREDENTIALS_SOURCE`, or when nothing is set.
    ///
    /// ```no_run
    /// let credentials = hwsms::Credentials::from_env()?;
    /// # Ok::<_, hwsms::Error>(())
    /// ```
    pub fn from_env() -> Result<Credentials, Error> {
        from_env_with(|name| std::env::var(name).ok())
    }
}

/// [`Credentials::from_env`] over any variable source (tests pass a map).
pub(crate) fn from_env_with(var: impl Fn(&str) -> Option<String>) -> Result<Credentials, Error> {
    let var = |n: &str| var(n).filter(|v| !v.is_empty());
    if let Some(key) = ak_sk(&var)? {
        return Ok(Credentials::ak_sk(key));
    }
    if let Some(path) = var("HUAWEICLOUD_SDK_CREDENTIALS_FILE") {
        return Ok(Credentials::file(path));
    }
    if let Some(path) = default_credentials_file(&var) {
        return Ok(Credentials::file(path));
    }
    if let Some(password) = iam_password(&var)? {
        return Ok(Credentials::iam_password(password));
    }
    match var("HWSMS_CREDENTIALS_SOURCE").as_deref().map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("metadata") => {
            let mut c = match var("HWSMS_METADATA_ENDPOINT") {
                Some(url) => Credentials::ecs_metadata_at(url.trim()),
                None => Credentials::ecs_metadata(),
            };
            if let super::credentials::Kind::Metadata(m) = &mut c.0 {
                m.project_id = var("HUAWEICLOUD_SDK_PROJECT_ID");
                m.domain_id = var("HUAWEICLOUD_SDK_DOMAIN_ID");
            }
            return Ok(c);
        }
        Some(other) => {
            return Err(Error::config(format!(
                "HWSMS_CREDENTIALS_SOURCE must be metadata (or unset), not {}",
                crate::redact::shown(other)
            )));
        }
        None => {}
    }
    var("HUAWEICLOUD_SDK_AUTH_TOKEN")
        .map(Credentials::token)
        .ok_or_else(|| {
            Error::config(
                "no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, a credentials \
                 file (HUAWEICLOUD_SDK_CREDENTIALS_FILE), an IAM password (OS_USERNAME, \
                 OS_PASSWORD, ...), HWSMS_CREDENTIALS_SOURCE=metadata on ECS, or \
                 HUAWEICLOUD_SDK_AUTH_TOKEN",
            )
        })
}

/// The AK/SK pair of the environment, with its scope and security token.
fn ak_sk(var: &dyn Fn(&str) -> Option<String>) -> Result<Option<AkSk>, Error> {
    let official = (var("HUAWEICLOUD_SDK_AK"), var("HUAWEICLOUD_SDK_SK"));
    let (prefix, pair) = match official {
        (None, None) => ("CLOUD_SDK", (var("CLOUD_SDK_AK"), var("CLOUD_SDK_SK"))),
        pair => ("HUAWEICLOUD_SDK", pair),
    };
    match pair {
        (Some(ak), Some(sk)) => Ok(Some(AkSk::new(ak, sk).scoped(
            var("HUAWEICLOUD_SDK_PROJECT_ID"),
            var("HUAWEICLOUD_SDK_DOMAIN_ID"),
            var("HUAWEICLOUD_SDK_SECURITY_TOKEN"),
        ))),
        (Some(_), None) => Err(Error::config(format!(
            "{prefix}_AK is set but {prefix}_SK is not; set both, or neither"
        ))),
        (None, Some(_)) => Err(Error::config(format!(
            "{prefix}_SK is set but {prefix}_AK is not; set both, or neither"
        ))),
        (None, None) => Ok(None),
    }
}

/// The IAM password of the environment (OpenStack's names).
fn iam_password(var: &dyn Fn(&str) -> Option<String>) -> Result<Option<IamPassword>, Error> {
    let (user, password) = match (var("OS_USERNAME"), var("OS_PASSWORD")) {
        (Some(u), Some(p)) => (u, p),
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(Error::config(
                "OS_USERNAME is set but OS_PASSWORD is not; set both, or neither",
            ));
        }
        (None, Some(_)) => {
            return Err(Error::config(
                "OS_PASSWORD is set but OS_USERNAME is not; set both, or neither",
            ));
        }
    };
    let domain = var("OS_USER_DOMAIN_NAME")
        .or_else(|| var("OS_DOMAIN_NAME"))
        .ok_or_else(|| {
            Error::config(
                "an IAM password needs the user's account: set OS_USER_DOMAIN_NAME (or OS_DOMAIN_NAME)",
            )
        })?;
    let mut p = IamPassword::new(user, password, domain);
    p = match (var("OS_PROJECT_ID"), var("OS_PROJECT_NAME")) {
        (Some(id), _) => p.project_id(id),
        (None, Some(name)) => p.project_name(name),
        (None, None) => {
            return Err(Error::config(
                "an IAM password needs a project for its tokens: set OS_PROJECT_ID or OS_PROJECT_NAME",
            ));
        }
    };
    if let Some(url) = var("OS_AUTH_URL") {
        p = p.auth_url(url.trim());
    } else if let Some(iam) = var("HUAWEICLOUD_SDK_IAM_ENDPOINT") {
        let base = iam.trim().trim_end_matches('/');
        let url = if base.ends_with("/v3") {
            base.to_string()
        } else {
            format!("{base}/v3")
        };
        p = p.auth_url(url);
    }
    Ok(Some(p))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::auth::credentials::Kind;

    /// An environment of these variables only, for tests.
    pub(crate) fn env(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        }
    }

    fn kind(c: &Credentials) -> &'static str {
        match &c.0 {
            Kind::Fixed(f) if f.is_signing() => "ak/sk",
            Kind::Fixed(_) => "token",
            Kind::File(_) => "file",
            Kind::Iam(_) => "iam",
            Kind::Metadata(_) => "metadata",
            Kind::Custom(_) => "custom",
        }
    }

    #[test]
    fn ak_sk_rules() {
        let c = from_env_with(env(&[("CLOUD_SDK_AK", "a"), ("CLOUD_SDK_SK", "s")])).unwrap();
        assert_eq!(c.as_ak_sk().unwrap().ak(), "a");
        // The official names win over the API pages' sample names.
        let c = from_env_with(env(&[
            ("CLOUD_SDK_AK", "a"),
            ("CLOUD_SDK_SK", "s"),
            ("HUAWEICLOUD_SDK_AK", "b"),
            ("HUAWEICLOUD_SDK_SK", "t"),
        ]))
        .unwrap();
        assert_eq!(c.as_ak_sk().unwrap().ak(), "b");
        let e = from_env_with(env(&[("HUAWEICLOUD_SDK_AK", "b")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("HUAWEICLOUD_SDK_SK is not"), "{e}");
        let e = from_env_with(env(&[("CLOUD_SDK_SK", "s")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("CLOUD_SDK_AK is not"), "{e}");
        let e = from_env_with(env(&[])).unwrap_err().to_string();
        assert!(
            e.contains("no credentials") && e.contains("OS_USERNAME"),
            "{e}"
        );
    }

    /// The README's table, top to bottom: each source wins over every one
    /// below it.
    #[test]
    fn precedence() {
        let all: &[(&str, &str)] = &[
            ("HUAWEICLOUD_SDK_AK", "a"),
            ("HUAWEICLOUD_SDK_SK", "s"),
            ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/etc/hwsms/credentials"),
            ("OS_USERNAME", "u"),
            ("OS_PASSWORD", "p"),
            ("OS_USER_DOMAIN_NAME", "d"),
            ("OS_PROJECT_NAME", "ap-southeast-3"),
            ("HWSMS_CREDENTIALS_SOURCE", "metadata"),
            ("HUAWEICLOUD_SDK_AUTH_TOKEN", "tok"),
        ];
        let order = ["ak/sk", "file", "iam", "metadata", "token"];
        // Drop the sources one by one from the top.
        let drops: [&[&str]; 5] = [
            &[],
            &["HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"],
            &["HUAWEICLOUD_SDK_CREDENTIALS_FILE"],
            &["OS_USERNAME", "OS_PASSWORD"],
            &["HWSMS_CREDENTIALS_SOURCE"],
        ];
        let mut dropped: Vec<&str> = Vec::new();
        for (want, drop) in order.iter().zip(drops) {
            dropped.extend(drop);
            let vars: Vec<(String, String)> = all
                .iter()
                .filter(|(k, _)| !dropped.contains(k))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let c = from_env_with(|n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
                .unwrap();
            assert_eq!(kind(&c), *want, "without {dropped:?}");
        }
    }

    #[test]
    fn the_default_file_is_used_when_it_exists() {
        let home = std::env::temp_dir().join(format!("hwsms-home-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        let home_var = home.to_string_lossy().to_string();
        let var = |n: &str| (n == "HOME").then(|| home_var.clone());
        assert_eq!(default_credentials_file(&var), None);
        std::fs::create_dir_all(home.join(".huaweicloud")).unwrap();
        std::fs::write(home.join(".huaweicloud/credentials"), "[basic]\n").unwrap();
        assert_eq!(
            default_credentials_file(&var),
            Some(home.join(".huaweicloud").join("credentials"))
        );
        assert_eq!(kind(&from_env_with(var).unwrap()), "file");
        std::fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn an_iam_password_needs_its_account_and_project() {
        let base = [("OS_USERNAME", "u"), ("OS_PASSWORD", "pw-MARKER")];
        let with = |extra: &'static [(&'static str, &'static str)]| {
            let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            from_env_with(move |n| {
                vars.iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            })
        };
        let e = with(&[]).unwrap_err().to_string();
        assert!(e.contains("OS_USER_DOMAIN_NAME"), "{e}");
        let e = with(&[("OS_DOMAIN_NAME", "d")]).unwrap_err().to_string();
        assert!(e.contains("OS_PROJECT_ID or OS_PROJECT_NAME"), "{e}");
        let c = with(&[
            ("OS_DOMAIN_NAME", "d"),
            ("OS_PROJECT_ID", "p"),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", "https://iam.example/"),
        ])
        .unwrap();
        let Kind::Iam(p) = &c.0 else { panic!("{c:?}") };
        assert_eq!(p.auth_url.as_deref(), Some("https://iam.example/v3"));
        assert!(!format!("{c:?}").contains("pw-MARKER"));
        let c = with(&[
            ("OS_USER_DOMAIN_NAME", "d"),
            ("OS_PROJECT_NAME", "r"),
            ("OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
        ])
        .unwrap();
        let Kind::Iam(p) = &c.0 else { panic!("{c:?}") };
        assert_eq!(p.auth_url.as_deref(), Some("http://127.0.0.1:5000/v3"));
        let e = from_env_with(env(&[("OS_PASSWORD", "x")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("OS_USERNAME is not"), "{e}");
    }

    #[test]
    fn metadata_is_asked_for_by_name_only() {
        let c = from_env_with(env(&[
            ("HWSMS_CREDENTIALS_SOURCE", "Metadata"),
            ("HWSMS_METADATA_ENDPOINT", "http://127.0.0.1:8080/"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", "p"),
        ]))
        .unwrap();
        let Kind::Metadata(m) = &c.0 else {
            panic!("{c:?}")
        };
        assert_eq!(m.endpoint, "http://127.0.0.1:8080");
        assert_eq!(m.project_id.as_deref(), Some("p"));
        let e = from_env_with(env(&[("HWSMS_CREDENTIALS_SOURCE", "vault")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be metadata"), "{e}");
        assert!(env_names_credentials(&env(&[(
            "HWSMS_CREDENTIALS_SOURCE",
            "metadata"
        )])));
        assert!(!env_names_credentials(&env(&[("HOME", "/root")])));
    }
}
