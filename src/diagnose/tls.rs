//! The TLS step: a handshake with the config's own TLS setup, described for
//! an operator (protocol, cipher, the certificate and who vouches for it),
//! or why it failed and which certificate the server showed.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use ureq::unversioned::transport::TransportAdapter;

use super::probe::Wire;
use super::x509::{CertSummary, summarize};
use crate::channel::explain::{self, Route};
use crate::config::Config;
use crate::config::tls_roots::{TlsRoots, system_bundle};
use crate::transport::tls::crypto_provider;

pub(super) fn trust_source(roots: &TlsRoots) -> String {
    match roots {
        TlsRoots::WebPki => "the built-in Mozilla roots (webpki-roots)".into(),
        TlsRoots::System => match system_bundle() {
            Ok(path) => format!("the host's CA bundle {}", path.display()),
            Err(_) => "the host's CA bundle".into(),
        },
        TlsRoots::PemFile(p) => format!("the CA file {}", p.display()),
        TlsRoots::Pem(_) => "CA certificates given in memory".into(),
    }
}

/// Handshakes with the config's own TLS setup and describes the
/// connection; on failure, says why, and for a rejected certificate
/// reconnects once (through `reconnect`) to show which certificate it was.
pub(super) fn tls_step(
    config: &Config,
    mut sock: TransportAdapter,
    route: &Route<'_>,
    reconnect: &dyn Fn() -> Option<TransportAdapter>,
) -> Result<(String, Box<dyn Wire>), String> {
    let endpoint = config.endpoint_ref();
    let name = ServerName::try_from(endpoint.bare_host().to_string())
        .map_err(|_| "the endpoint host is not a valid TLS server name".to_string())?;
    let tls = config.tls_client_config().clone();
    let mut conn = ClientConnection::new(tls, name.clone()).map_err(|e| e.to_string())?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            let tls_err = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            let mut detail = match tls_err {
                Some(t) => explain::tls(t, route).to_string(),
                None => format!("the handshake with {route} broke off ({e})"),
            };
            if matches!(tls_err, Some(rustls::Error::InvalidCertificate(_))) {
                if let Some(cert) = reconnect().and_then(|s| presented_cert(s, name)) {
                    let _ = write!(detail, "; the server showed {}", cert_words(&cert));
                }
            }
            if detail.contains("untrusted CA") {
                detail.push_str(
                    "; behind a TLS-inspecting proxy, trust its CA with --ca-file PEM or \
                     --system-roots",
                );
            }
            return Err(detail);
        }
    }
    let version = match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
        _ => "TLS",
    };
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|c| suite_name(c.suite()))
        .unwrap_or_default();
    let mut detail = format!("{version}, {cipher}");
    let cert = conn
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|c| summarize(c));
    if let Some(cert) = cert {
        let _ = write!(detail, ", {}", cert_words(&cert));
    }
    let _ = write!(
        detail,
        "; trusted through {}",
        trust_source(config.tls_roots())
    );
    Ok((detail, Box::new(rustls::StreamOwned::new(conn, sock))))
}

/// The certificate a server presents, read by a handshake that trusts
/// nothing and stops right after the certificate arrives.
fn presented_cert(mut sock: TransportAdapter, name: ServerName<'static>) -> Option<CertSummary> {
    let provider = crypto_provider();
    let recorder = Arc::new(RecordOnly {
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
        seen: Mutex::default(),
    });
    let tls = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let mut conn = ClientConnection::new(Arc::new(tls), name).ok()?;
    while conn.is_handshaking() && conn.complete_io(&mut sock).is_ok() {}
    let der = recorder.seen.lock().ok()?.clone()?;
    summarize(&der)
}

/// The suites hwsms offers, by name. (rustls's `Debug` would name all of
/// them, at the cost of a large table in the C library.)
fn suite_name(suite: rustls::CipherSuite) -> String {
    use rustls::CipherSuite::*;
    let name = match suite {
        TLS13_CHACHA20_POLY1305_SHA256 => "TLS13_CHACHA20_POLY1305_SHA256",
        TLS13_AES_256_GCM_SHA384 => "TLS13_AES_256_GCM_SHA384",
        TLS13_AES_128_GCM_SHA256 => "TLS13_AES_128_GCM_SHA256",
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        }
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        other => return format!("cipher suite 0x{:04x}", u16::from(other)),
    };
    name.to_string()
}

fn cert_words(c: &CertSummary) -> String {
    let mut w = format!(
        "certificate for {}",
        c.subject.as_deref().unwrap_or("(no common name)")
    );
    if !c.names.is_empty() {
        let _ = write!(w, " (SAN {})", c.names.join(", "));
    }
    if let Some(issuer) = &c.issuer {
        let _ = write!(w, ", issued by {issuer}");
    }
    if let Some(date) = &c.not_after {
        let _ = write!(w, ", valid until {date}");
    }
    w
}

/// Records the end-entity certificate and rejects it: for showing an
/// operator which certificate a server presents, never for trusting one.
#[derive(Debug)]
struct RecordOnly {
    schemes: Vec<SignatureScheme>,
    seen: Mutex<Option<Vec<u8>>>,
}

impl ServerCertVerifier for RecordOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.to_vec());
        }
        Err(rustls::Error::General("recorded for the diagnosis".into()))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("recorded for the diagnosis".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("recorded for the diagnosis".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}
