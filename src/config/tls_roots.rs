//! Which certificate authorities a [`Config`](crate::Config) trusts.

use std::path::{Path, PathBuf};

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use ureq::tls::{Certificate, PemItem};

use crate::error::Error;
use crate::redact::shown;

/// The trust anchors for TLS. TLS is always verified; there is no switch to
/// turn verification off.
///
/// ```no_run
/// use hwsms::{Config, Credentials, TlsRoots};
///
/// // Behind a TLS-inspecting proxy whose CA the host trusts:
/// let config = Config::for_region("ap-southeast-3", Credentials::token("MIIT..."))
///     .tls_roots(TlsRoots::System)
///     .build()?;
/// // A private cloud's CA, compiled in:
/// let private = Config::builder("https://sms.example.internal", Credentials::token("MIIT..."))
///     .tls_roots(TlsRoots::Pem(include_bytes!("../../tests/data/seed_200.json").to_vec()))
///     .build();
/// assert!(private.is_err(), "a file without certificates is refused");
/// # let _ = config;
/// # Ok::<_, hwsms::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TlsRoots {
    /// Mozilla's roots built into the binary (webpki-roots). Works on hosts
    /// with an old or missing CA bundle.
    #[default]
    WebPki,
    /// The host's CA bundle: `SSL_CERT_FILE` if set, else the first of the
    /// usual bundle paths on Debian/Ubuntu, RHEL/CentOS, SUSE and Alpine.
    /// Use it where TLS is intercepted by a corporate CA installed on the host.
    /// On Windows only `SSL_CERT_FILE` is read (the certificate store is
    /// not); without it, building the config fails and says what to do.
    System,
    /// Only the certificates in this PEM file.
    PemFile(PathBuf),
    /// Only the certificates in these PEM bytes.
    Pem(Vec<u8>),
}

/// Where distributions keep their CA bundle, most common first.
pub const SYSTEM_BUNDLE_PATHS: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Gentoo
    "/etc/pki/tls/certs/ca-bundle.crt",   // RHEL, CentOS 6/7, Fedora
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL/CentOS 7+
    "/etc/ssl/ca-bundle.pem",             // SUSE, openSUSE
    "/var/lib/ca-certificates/ca-bundle.pem", // SUSE
    "/etc/ssl/cert.pem",                  // Alpine, BSDs
];

impl TlsRoots {
    /// Loads the certificates, failing when a PEM source holds none.
    pub(crate) fn load(&self) -> Result<RootCertStore, Error> {
        match self {
            TlsRoots::WebPki => Ok(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            }),
            TlsRoots::System => {
                let path = system_bundle()?;
                load_file(&path)
            }
            TlsRoots::PemFile(path) => load_file(path),
            TlsRoots::Pem(bytes) => parse(bytes, "the CA PEM bytes"),
        }
    }
}

pub(crate) fn system_bundle() -> Result<PathBuf, Error> {
    if let Some(file) = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(file));
    }
    // Windows keeps its roots in the certificate store, not in a file;
    // reading the store would take a Windows-only dependency tree
    // (schannel, windows-sys). Say what to do instead of failing later.
    if cfg!(windows) {
        return Err(Error::config(
            "system roots on Windows: hwsms does not read the Windows certificate store; \
             export the CA you need (certmgr.msc, Export, Base-64 X.509) and pass it as a CA \
             file (--ca-file), or set SSL_CERT_FILE to a PEM bundle",
        ));
    }
    SYSTEM_BUNDLE_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::config(format!(
                "no system CA bundle found (SSL_CERT_FILE is unset and none of {} exists); \
                 install ca-certificates or pass a CA file",
                SYSTEM_BUNDLE_PATHS.join(", ")
            ))
        })
}

fn load_file(path: &Path) -> Result<RootCertStore, Error> {
    let name = shown(&path.to_string_lossy());
    let bytes = std::fs::read(path)
        .map_err(|e| Error::config_with(format!("cannot read CA file {name}"), e))?;
    parse(&bytes, &format!("CA file {name}"))
}

fn parse(pem: &[u8], what: &str) -> Result<RootCertStore, Error> {
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {} // keys and other sections are not trust anchors
            Err(e) => return Err(Error::config_with(format!("{what} is not valid PEM"), e)),
        }
    }
    if certs.is_empty() {
        return Err(Error::config(format!(
            "{what} contains no certificate (expected -----BEGIN CERTIFICATE----- blocks)"
        )));
    }
    let mut store = RootCertStore::empty();
    let (added, _) =
        store.add_parsable_certificates(certs.iter().map(|c| CertificateDer::from(c.der())));
    if added == 0 {
        return Err(Error::config(format!(
            "none of the certificates in {what} can serve as a trust anchor"
        )));
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_or_garbage_pem_is_an_error() {
        for pem in [
            &b""[..],
            b"hello",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let e = TlsRoots::Pem(pem.to_vec()).load().unwrap_err().to_string();
            assert!(e.contains("CA PEM"), "{e}");
        }
        let e = TlsRoots::PemFile("/nonexistent/ca.pem".into())
            .load()
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }
}
