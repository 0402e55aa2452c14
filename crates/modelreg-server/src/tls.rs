//! HTTPS with rustls, from PEM files.

use std::io::BufReader;
use std::path::Path;

/// Loads a certificate chain and its private key into a rustls server config.
pub fn server_config(cert: &Path, key: &Path) -> std::io::Result<rustls::ServerConfig> {
    let invalid = |what: &str, path: &Path, e: &dyn std::fmt::Display| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("cannot read the TLS {what} {}: {e}", path.display()),
        )
    };
    let open = |path: &Path, what: &str| {
        std::fs::File::open(path)
            .map(BufReader::new)
            .map_err(|e| invalid(what, path, &e))
    };
    let certs: Vec<_> = rustls_pemfile::certs(&mut open(cert, "certificate")?)
        .collect::<Result<_, _>>()
        .map_err(|e| invalid("certificate", cert, &e))?;
    if certs.is_empty() {
        return Err(invalid("certificate", cert, &"no PEM certificate in it"));
    }
    let key_der = rustls_pemfile::private_key(&mut open(key, "key")?)
        .map_err(|e| invalid("key", key, &e))?
        .ok_or_else(|| invalid("key", key, &"no PEM private key in it"))?;
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| invalid("certificate and key", cert, &e))
}
