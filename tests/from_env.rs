//! `Config::from_env` and `Credentials::from_env`. One test function, so no
//! other thread of this test binary reads the environment while it changes.

use hwsms::{Config, TlsRoots};

fn set(vars: &[(&str, Option<&str>)]) {
    for (k, v) in vars {
        // SAFETY: this binary runs a single test; no other thread touches the environment.
        unsafe {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
}

const ALL: &[&str] = &[
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_DOMAIN_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "HUAWEICLOUD_SDK_AUTH_TOKEN",
    "HUAWEICLOUD_SDK_REGION",
    "HUAWEICLOUD_SDK_REGION_SMS_CN_NORTH_4",
    "HWSMS_ENDPOINT",
    "HWSMS_CA_FILE",
    "HWSMS_SYSTEM_ROOTS",
    "HWSMS_PROXY",
    "HWSMS_PROXY_FROM_ENV",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn clear() {
    let none: Vec<(&str, Option<&str>)> = ALL.iter().map(|k| (*k, None)).collect();
    set(&none);
}

#[test]
fn configuration_from_the_environment() {
    clear();
    let e = Config::from_env().unwrap_err().to_string();
    assert!(e.contains("HUAWEICLOUD_SDK_AUTH_TOKEN"), "{e}");

    // AK without SK names the missing one and never echoes the value.
    set(&[("HUAWEICLOUD_SDK_AK", Some("AKVALUE"))]);
    let e = Config::from_env().unwrap_err().to_string();
    assert!(
        e.contains("HUAWEICLOUD_SDK_SK") && !e.contains("AKVALUE"),
        "{e}"
    );

    // AK/SK with every scope, a region and its override, a proxy from the environment.
    set(&[
        ("HUAWEICLOUD_SDK_SK", Some("SK-MARKER-env")),
        ("HUAWEICLOUD_SDK_PROJECT_ID", Some("proj")),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", Some("ST-MARKER-env")),
        ("HUAWEICLOUD_SDK_AUTH_TOKEN", Some("TOKEN-MARKER-env")),
        ("HUAWEICLOUD_SDK_REGION", Some("cn-north-4")),
        ("HWSMS_PROXY_FROM_ENV", Some("1")),
        ("https_proxy", Some("http://user:PW-MARKER@proxy.corp:3128")),
    ]);
    let c = Config::from_env().unwrap();
    assert_eq!(c.endpoint(), "https://sms.cn-north-4.myhuaweicloud.com");
    let key = c
        .credentials()
        .as_ak_sk()
        .expect("AK/SK wins over the token");
    assert_eq!(
        (key.ak(), key.project_id_value()),
        ("AKVALUE", Some("proj"))
    );
    assert_eq!(c.proxy(), Some("http://user:[REDACTED]@proxy.corp:3128"));
    let dbg = format!("{c:?}");
    for m in ["SK-MARKER", "ST-MARKER", "TOKEN-MARKER", "PW-MARKER"] {
        assert!(!dbg.contains(m), "{m} in {dbg}");
    }

    // NO_PROXY exempts the endpoint; the region override replaces the table.
    set(&[
        ("NO_PROXY", Some("private.example")),
        (
            "HUAWEICLOUD_SDK_REGION_SMS_CN_NORTH_4",
            Some("https://sms.private.example:8443"),
        ),
    ]);
    let c = Config::from_env().unwrap();
    assert_eq!(c.proxy(), None);
    assert_eq!(c.endpoint(), "https://sms.private.example:8443");

    // The endpoint wins over the region; a token alone; explicit proxy; CA file.
    clear();
    let ca = std::env::temp_dir().join(format!("hwsms-env-ca-{}.pem", std::process::id()));
    let pki = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(&ca, pki.cert.pem()).unwrap();
    set(&[
        ("HUAWEICLOUD_SDK_AUTH_TOKEN", Some("TOKEN-MARKER-env")),
        ("HWSMS_ENDPOINT", Some("https://127.0.0.1:9443")),
        ("HUAWEICLOUD_SDK_REGION", Some("ru-moscow-1")),
        ("HWSMS_CA_FILE", Some(ca.to_str().unwrap())),
        ("HWSMS_PROXY", Some("http://127.0.0.1:3128")),
    ]);
    let c = Config::from_env().unwrap();
    assert_eq!(c.endpoint(), "https://127.0.0.1:9443");
    assert!(c.credentials().as_ak_sk().is_none());
    assert_eq!(c.tls_roots(), &TlsRoots::PemFile(ca.clone()));
    assert_eq!(c.proxy(), Some("http://127.0.0.1:3128"));

    set(&[("HWSMS_CA_FILE", None), ("HWSMS_SYSTEM_ROOTS", Some("1"))]);
    match Config::from_env() {
        Ok(c) => assert_eq!(c.tls_roots(), &TlsRoots::System),
        Err(e) => assert!(e.to_string().contains("CA bundle"), "{e}"),
    }
    // An empty SSL_CERT_FILE counts as unset, as in OpenSSL; a set one is read.
    let outcome = || Config::from_env().map(|_| ()).map_err(|e| e.to_string());
    set(&[("SSL_CERT_FILE", None)]);
    let unset = outcome();
    set(&[("SSL_CERT_FILE", Some(""))]);
    assert_eq!(outcome(), unset);
    set(&[("SSL_CERT_FILE", Some("/nonexistent/bundle.pem"))]);
    let err = outcome().unwrap_err();
    assert!(err.contains("/nonexistent/bundle.pem"), "{err}");
    set(&[("SSL_CERT_FILE", None)]);
    clear();
}
