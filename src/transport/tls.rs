//! The TLS setup every connection of a [`Config`](crate::Config) shares.

use std::sync::Arc;

use rustls::ClientConfig;

/// ring, always (never a process-wide default such as aws-lc), offering
/// ChaCha20-Poly1305 first.
///
/// Why ChaCha20 first: old source hosts often lack AES instructions (older
/// Xeons, ARM boards), where ChaCha20 is the fast constant-time cipher; on
/// hosts with them the difference is invisible for one small request. It
/// also keeps valgrind quiet for C users: ring's stitched AES-GCM assembly
/// (from OpenSSL) is a known valgrind false positive. The server still
/// decides; AES-GCM stays on offer.
pub(crate) fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    use rustls::CipherSuite::*;
    let mut provider = rustls::crypto::ring::default_provider();
    provider.key_provider = &NoClientKeys;
    // A stable partition, not a sort: std's sort would add kilobytes to
    // the C library for a list of nine.
    let (mut suites, others): (Vec<_>, Vec<_>) =
        provider.cipher_suites.into_iter().partition(|s| {
            matches!(
                s.suite(),
                TLS13_CHACHA20_POLY1305_SHA256
                    | TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
                    | TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
            )
        });
    suites.extend(others);
    provider.cipher_suites = suites;
    Arc::new(provider)
}

/// The key provider of a client that never presents a certificate: hwsms
/// authenticates with a token or a signature, never with a TLS client key.
///
/// Why not ring's own: it loads RSA, ECDSA and Ed25519 private keys, code
/// that would only make the C library larger (it must stay small for old
/// hosts) without ever running.
#[derive(Debug)]
struct NoClientKeys;

impl rustls::crypto::KeyProvider for NoClientKeys {
    fn load_private_key(
        &self,
        _key: rustls::pki_types::PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn rustls::sign::SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "hwsms presents no TLS client certificate".into(),
        ))
    }
}

/// Builds the one rustls client config a [`Config`](crate::Config) uses for
/// every connection: ring, the chosen roots, all TLS versions, and the
/// default in-memory session cache (what makes resumption work).
pub(crate) fn client_config(
    provider: Arc<rustls::crypto::CryptoProvider>,
    roots: rustls::RootCertStore,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_client_key_is_ever_loaded() {
        let provider = crypto_provider();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(vec![0u8; 8].into());
        assert!(provider.key_provider.load_private_key(key).is_err());
        // ChaCha20 first, and every suite of ring still offered.
        let first = provider.cipher_suites[0].suite();
        assert_eq!(first, rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256);
        let all = rustls::crypto::ring::default_provider().cipher_suites.len();
        assert_eq!(provider.cipher_suites.len(), all);
    }
}
