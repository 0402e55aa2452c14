//! How a client connects, beyond the server's URL: which certificate
//! authorities it trusts.

use crate::error::{ClientError, Result};
use reqwest::redirect::{Action, Attempt, Policy};
use reqwest::Url;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Connection settings for [`crate::Client::connect`],
/// [`crate::Client::connect_with_token`] and [`crate::Client::login_with`].
/// The default trusts the system's certificate authorities only.
///
/// A server started with `--tls-cert` and `--tls-key` whose certificate is
/// signed by a private CA (or is self-signed) is reached with that CA's
/// certificate as `ca_file`:
///
/// ```no_run
/// # async fn demo() -> modelreg_client::Result<()> {
/// use modelreg_client::{Client, ClientOptions};
///
/// let options = ClientOptions::with_ca_file("/etc/modelreg/ca.pem");
/// let client = Client::login_with("https://registry.internal:8443", "alice", "s3cret", &options).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// A PEM file of one or more CA certificates to trust for HTTPS, besides
    /// the system's. Ignored for `http://` servers.
    pub ca_file: Option<PathBuf>,
}

impl ClientOptions {
    /// Options that trust the CA certificates in a PEM file.
    pub fn with_ca_file(path: impl Into<PathBuf>) -> ClientOptions {
        ClientOptions {
            ca_file: Some(path.into()),
        }
    }

    /// The HTTP client these options describe, for the server at `server`.
    pub(crate) fn http_client(&self, server: &Url) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("modelreg-client/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10));
        if server.scheme() == "http" {
            // Plain HTTP needs no certificate authorities. Loading the
            // system's reads and decodes some 150 files: half of the time of
            // a CLI command against a local server. A redirect to HTTPS is
            // refused with the URL to use instead.
            let base_path = server.path().to_string();
            builder = builder
                .tls_certs_only([])
                .redirect(Policy::custom(move |attempt| {
                    refuse_redirect_to_https(attempt, &base_path)
                }));
        } else if let Some(path) = &self.ca_file {
            builder = builder.tls_certs_merge(read_ca_file(path)?);
        }
        Ok(builder.build()?)
    }
}

/// Follows redirects as reqwest does by default (at most 10), except to
/// HTTPS: the error names the server URL to use, the redirect's scheme, host
/// and port with the configured server's path.
fn refuse_redirect_to_https(attempt: Attempt<'_>, base_path: &str) -> Action {
    if attempt.url().scheme() == "https" {
        let mut server = attempt.url().clone();
        server.set_path(base_path);
        server.set_query(None);
        server.set_fragment(None);
        let _ = server.set_username("");
        let _ = server.set_password(None);
        attempt.error(format!(
            "the server redirects to HTTPS: use {} as the server URL",
            server.as_str().trim_end_matches('/')
        ))
    } else if attempt.previous().len() > 10 {
        attempt.error("too many redirects")
    } else {
        attempt.follow()
    }
}

/// Reads every certificate of a PEM file; a file without one is an error,
/// so that a wrong path (a key, a DER file) is not silently ignored.
fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).map_err(|source| ClientError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid =
        |why: String| ClientError::InvalidInput(format!("CA file {}: {why}", path.display()));
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| invalid(e.to_string()))?;
    if certs.is_empty() {
        return Err(invalid(
            "no PEM certificate in it (expected \"-----BEGIN CERTIFICATE-----\")".into(),
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_trusts_only_the_system() {
        let server = Url::parse("https://registry.example").unwrap();
        assert!(ClientOptions::default().http_client(&server).is_ok());
    }

    #[test]
    fn a_missing_or_certificate_less_ca_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let server = Url::parse("https://registry.example").unwrap();
        let err = ClientOptions::with_ca_file(&missing)
            .http_client(&server)
            .unwrap_err();
        assert!(matches!(err, ClientError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let key = dir.path().join("key.pem");
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let err = ClientOptions::with_ca_file(&key)
            .http_client(&server)
            .unwrap_err();
        assert!(matches!(err, ClientError::InvalidInput(_)), "{err:?}");
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }
}
