//! The SDK's error type.
//!
//! Error types by layer: the store returns `StoreError`, the server maps each
//! of its errors to one HTTP status and a JSON body ([`ApiError`]), and the
//! SDK returns [`ClientError`]. A failed request whose answer came from the
//! server is always [`ClientError::Api`], carrying the server's own message;
//! everything that went wrong on the way is one of the other variants.

use modelreg_types::ApiError;
use std::path::PathBuf;
use std::time::Duration;

/// What a call of the SDK returns.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// A failure of an SDK call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error status. `error` is its JSON error
    /// body, or one made up from the status and the body's text when the
    /// body was not the JSON error shape (e.g. a proxy's HTML page).
    #[error("{}", .error.message())]
    Api {
        /// The HTTP status code.
        status: u16,
        /// The error body.
        error: ApiError,
        /// How many seconds the server asked to wait before trying again
        /// (its `Retry-After` header, sent with 429 after repeated failed
        /// logins), at most `u16::MAX`; see [`ClientError::retry_after`].
        /// (A `u16` keeps the error small.)
        retry_after_secs: Option<u16>,
    },
    /// The request could not be sent or its answer not read (connection
    /// refused, timeout, TLS failure, ...).
    #[error("cannot reach the server: {0}")]
    Transport(#[from] reqwest::Error),
    /// The server answered 200 with a body that is not the expected JSON.
    #[error("unexpected answer from {url}: {source}")]
    Decode {
        /// The URL that was requested.
        url: String,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
    /// The server URL given to the client is not a usable http(s) URL.
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it is unusable.
        reason: String,
    },
    /// An argument was refused before anything was sent, e.g. metadata
    /// that is not a JSON object.
    #[error("{0}")]
    InvalidInput(String),
    /// The latest version of a model was asked for, but it has none.
    #[error("model \"{model}\" has no versions")]
    NoVersions {
        /// The model's name.
        model: String,
    },
    /// The server broke the API's rules in a way the SDK cannot work
    /// around, e.g. a pagination that does not advance.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The blocking client could not start its runtime.
    #[error("cannot start the blocking client's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// Moving one file of a checkpoint up or down failed; `path` is the
    /// file's path inside the checkpoint and `source` what went wrong.
    /// [`ClientError::status`], [`ClientError::is_invalid`] and the other
    /// tests look through to `source`.
    #[error("{}", file_message(.path, .source))]
    File {
        /// The file's path inside the checkpoint, `/`-separated.
        path: String,
        /// What went wrong.
        #[source]
        source: Box<ClientError>,
    },
    /// Downloaded bytes do not match the size or SHA-256 that the
    /// checkpoint's manifest records for them. Nothing of the file is
    /// left in the target folder.
    #[error("file {path:?} is corrupt: {detail}")]
    Corrupt {
        /// The file's path inside the checkpoint.
        path: String,
        /// What was expected and what arrived.
        detail: String,
    },
    /// A checkpoint's files cannot be downloaded from the registry: it is
    /// external, a record only, or its upload has not completed.
    #[error("checkpoint {uuid} cannot be downloaded: {reason}")]
    NoFiles {
        /// The checkpoint's uuid.
        uuid: String,
        /// Why.
        reason: String,
    },
    /// A local file or folder could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The local path.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

/// The message of [`ClientError::File`]: the cause, prefixed with the
/// file's path unless the cause names it already (the server's messages do).
fn file_message(path: &str, source: &ClientError) -> String {
    let text = source.to_string();
    if text.contains(&format!("{path:?}")) {
        text
    } else {
        format!("file {path:?}: {text}")
    }
}

impl ClientError {
    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            ClientError::File { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The server's error body, when the server answered with an error.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            ClientError::Api { error, .. } => Some(error),
            ClientError::File { source, .. } => source.api_error(),
            _ => None,
        }
    }

    /// Whether a checkpoint file's bytes do not match its recorded SHA-256,
    /// as found by the SDK on download ([`ClientError::Corrupt`]) or by the
    /// server before serving it (gRPC code 15, DataLoss).
    pub fn is_corrupt(&self) -> bool {
        match self {
            ClientError::Corrupt { .. } => true,
            ClientError::File { source, .. } => source.is_corrupt(),
            _ => self.api_error().is_some_and(|e| e.error.code == DATA_LOSS),
        }
    }

    /// The checkpoint file a transfer failed on, if the failure was about one.
    pub fn file_path(&self) -> Option<&str> {
        match self {
            ClientError::File { path, .. } | ClientError::Corrupt { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Wraps an error as the failure of one checkpoint file (once only).
    pub(crate) fn in_file(self, path: &str) -> ClientError {
        match self {
            ClientError::File { .. } | ClientError::Corrupt { .. } => self,
            other => ClientError::File {
                path: path.to_string(),
                source: Box::new(other),
            },
        }
    }

    /// Whether the thing asked for does not exist (HTTP 404, or a model
    /// without versions asked for its latest one).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClientError::NoVersions { .. }) || self.status() == Some(404)
    }

    /// Whether the thing to create exists already (HTTP 409).
    pub fn is_already_exists(&self) -> bool {
        self.status() == Some(409)
    }

    /// Whether the credentials or the token were refused (HTTP 401).
    pub fn is_unauthenticated(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether the request was refused as invalid or not possible in the
    /// current state (HTTP 400).
    pub fn is_invalid(&self) -> bool {
        self.status() == Some(400)
    }

    /// Whether the user is known but their role or ownership does not allow
    /// the call (HTTP 403): a viewer writing, an editor deleting another
    /// user's model, a non-admin managing users.
    ///
    /// ```
    /// use modelreg_client::{ApiError, ClientError};
    ///
    /// let error = ApiError::new(7, "PermissionDenied", "user v is a viewer and this needs the editor role");
    /// let err = ClientError::Api { status: 403, error, retry_after_secs: None };
    /// assert!(err.is_permission_denied());
    /// assert!(!err.is_unauthenticated());
    /// ```
    pub fn is_permission_denied(&self) -> bool {
        self.status() == Some(403)
    }

    /// How long to wait before trying again, when the server refused the
    /// call as too frequent (HTTP 429, e.g. after repeated failed logins)
    /// and said so in `Retry-After`.
    ///
    /// ```no_run
    /// # async fn demo() -> modelreg_client::Result<()> {
    /// use modelreg_client::Client;
    ///
    /// if let Err(err) = Client::login("http://127.0.0.1:8080", "alice", "guess").await {
    ///     if let Some(wait) = err.retry_after() {
    ///         eprintln!("too many failed logins; try again in {} s", wait.as_secs());
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::Api {
                status: 429,
                retry_after_secs,
                ..
            } => retry_after_secs.map(|secs| Duration::from_secs(secs.into())),
            ClientError::File { source, .. } => source.retry_after(),
            _ => None,
        }
    }

    /// Whether the connection failed because the server's TLS certificate
    /// was not trusted (unknown issuer, wrong name, expired, ...): for a
    /// server whose certificate comes from a private CA, pass that CA with
    /// [`crate::ClientOptions::ca_file`].
    pub fn is_certificate_error(&self) -> bool {
        let ClientError::Transport(error) = self else {
            return false;
        };
        // reqwest keeps rustls's error deep in its chain, behind hyper's
        // and io's; its text is the stable part ("invalid peer certificate").
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(cause) = source {
            if cause.to_string().contains("invalid peer certificate") {
                return true;
            }
            source = cause.source();
        }
        false
    }

    /// Sets the `Retry-After` of an error answer, in seconds.
    pub(crate) fn with_retry_after(self, secs: Option<u16>) -> ClientError {
        match self {
            ClientError::Api { status, error, .. } => ClientError::Api {
                status,
                error,
                retry_after_secs: secs,
            },
            other => other,
        }
    }

    /// Builds the error for a failed answer from its status and body.
    pub(crate) fn from_response(status: u16, body: &[u8]) -> ClientError {
        let error = match serde_json::from_slice::<ApiError>(body) {
            Ok(error) => error,
            Err(_) => synthesize(status, body),
        };
        ClientError::Api {
            status,
            error,
            retry_after_secs: None,
        }
    }
}

/// gRPC's DataLoss, the code of a stored file that no longer matches its hash.
const DATA_LOSS: i32 = 15;

/// Makes an error body for an answer that did not carry one.
fn synthesize(status: u16, body: &[u8]) -> ApiError {
    let (code, reason) = grpc_code(status);
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = if text.is_empty() {
        format!("the server answered HTTP {status} with no message")
    } else {
        // A proxy's HTML page can be long; a line or two says enough.
        let short: String = text.chars().take(500).collect();
        format!("the server answered HTTP {status}: {short}")
    };
    ApiError::new(code, reason, message)
}

/// The gRPC code and name grpc-gateway would use for an HTTP status.
fn grpc_code(status: u16) -> (i32, &'static str) {
    match status {
        400 => (3, "InvalidArgument"),
        401 => (16, "Unauthenticated"),
        403 => (7, "PermissionDenied"),
        404 => (5, "NotFound"),
        409 => (6, "AlreadyExists"),
        413 | 429 => (8, "ResourceExhausted"),
        499 => (1, "Canceled"),
        501 => (12, "Unimplemented"),
        503 => (14, "Unavailable"),
        504 => (4, "DeadlineExceeded"),
        500..=599 => (13, "Internal"),
        _ => (2, "Unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_error_body_is_kept_as_the_server_sent_it() {
        let body = br#"{"error": {"code": 6, "reason": "AlreadyExists", "error": "model \"m\" already exists"}}"#;
        let err = ClientError::from_response(409, body);
        assert!(err.is_already_exists());
        assert!(!err.is_not_found());
        assert_eq!(err.to_string(), "model \"m\" already exists");
        assert_eq!(err.api_error().unwrap().error.reason, "AlreadyExists");
    }

    #[test]
    fn a_text_body_becomes_an_error_with_that_text() {
        let err = ClientError::from_response(502, b"<html>bad gateway</html>\n");
        let api = err.api_error().unwrap();
        assert_eq!(api.error.code, 13);
        assert_eq!(api.error.reason, "Internal");
        assert_eq!(
            err.to_string(),
            "the server answered HTTP 502: <html>bad gateway</html>"
        );
    }

    #[test]
    fn an_empty_body_still_says_what_happened() {
        let err = ClientError::from_response(404, b"");
        assert!(err.is_not_found());
        assert_eq!(err.api_error().unwrap().error.reason, "NotFound");
        assert!(err.to_string().contains("HTTP 404"), "{err}");
    }

    #[test]
    fn a_model_without_versions_counts_as_not_found() {
        let err = ClientError::NoVersions { model: "m".into() };
        assert!(err.is_not_found());
        assert_eq!(err.status(), None);
        assert_eq!(err.to_string(), "model \"m\" has no versions");
    }

    #[test]
    fn a_file_error_names_the_file_once_and_looks_through_to_its_cause() {
        let api = ClientError::from_response(
            400,
            br#"{"error": {"code": 3, "reason": "InvalidArgument", "error": "bad"}}"#,
        );
        let err = api.in_file("a/b.bin");
        assert_eq!(err.to_string(), "file \"a/b.bin\": bad");
        assert!(err.is_invalid());
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.file_path(), Some("a/b.bin"));
        assert!(!err.is_corrupt());
        // Wrapping twice keeps the first file.
        assert_eq!(err.in_file("other").file_path(), Some("a/b.bin"));

        let message = r#"file "a/b.bin" of checkpoint u is corrupt: read 3 bytes"#;
        let body =
            serde_json::json!({"error": {"code": 15, "reason": "DataLoss", "error": message}});
        let err = ClientError::from_response(500, body.to_string().as_bytes()).in_file("a/b.bin");
        assert_eq!(err.to_string(), message);
        assert!(err.is_corrupt());
    }

    #[test]
    fn forbidden_and_throttled_answers_are_recognized() {
        let body = br#"{"error": {"code": 7, "reason": "PermissionDenied", "error": "no"}}"#;
        let err = ClientError::from_response(403, body);
        assert!(err.is_permission_denied());
        assert_eq!(err.retry_after(), None);

        let err = ClientError::from_response(429, b"").with_retry_after(Some(4));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(4)));
        assert!(!err.is_permission_denied());
        assert_eq!(err.api_error().unwrap().error.reason, "ResourceExhausted");
        // Only a 429 asks to wait.
        let err = ClientError::from_response(503, b"").with_retry_after(Some(4));
        assert_eq!(err.retry_after(), None);
    }
}
