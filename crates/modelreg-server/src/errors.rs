//! Errors of the server and their HTTP answers.
//!
//! Handlers return [`ServerError`]. Each variant, and each [`StoreError`]
//! variant inside it, maps to one status and gRPC code; the body is the
//! `{"error": {...}}` shape of `API.md` §1. A 5xx is logged with its cause and
//! answered without internals.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use modelreg_store::StoreError;
use modelreg_types::ApiError;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request is malformed: bad JSON, a wrong type, an unknown enum, a bad parameter.
    #[error("{0}")]
    BadRequest(String),
    /// No route matches.
    #[error("{0}")]
    NoRoute(String),
    /// The body is larger than the server accepts.
    #[error("{0}")]
    TooLarge(String),
    /// The artifact store failed or cannot be reached.
    #[error("the artifact store failed: {0}")]
    ArtifactStore(String),
    /// Stored bytes no longer match their SHA-256.
    #[error("{0}")]
    Corrupt(String),
    /// An upload ended before all of its bytes arrived.
    #[error("{0}")]
    UploadCut(String),
    /// A `Range` header that is valid but selects nothing of the file.
    #[error("cannot serve range {range:?} of a {size}-byte file")]
    RangeNotSatisfiable {
        /// The header as sent.
        range: String,
        /// The file's size, for `Content-Range: bytes */size`.
        size: u64,
    },
    /// Too many failed logins: wait this many seconds.
    #[error("too many failed logins for {user}; try again in {retry_after} seconds")]
    TooManyLogins {
        /// The username tried.
        user: String,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The blocking thread pool failed (the server is shutting down).
    #[error("the server is shutting down")]
    Blocking,
}

impl ServerError {
    fn parts(&self) -> (StatusCode, i32, &'static str) {
        use StatusCode as S;
        match self {
            ServerError::Store(e) => match e {
                StoreError::NotFound(_) => (S::NOT_FOUND, 5, "NotFound"),
                StoreError::AlreadyExists(_) => (S::CONFLICT, 6, "AlreadyExists"),
                StoreError::InvalidArgument(_) => (S::BAD_REQUEST, 3, "InvalidArgument"),
                StoreError::FailedPrecondition(_) => (S::BAD_REQUEST, 9, "FailedPrecondition"),
                StoreError::Unauthenticated(_) => (S::UNAUTHORIZED, 16, "Unauthenticated"),
                StoreError::PermissionDenied(_) => (S::FORBIDDEN, 7, "PermissionDenied"),
                StoreError::Unavailable(_) => (S::SERVICE_UNAVAILABLE, 14, "Unavailable"),
                StoreError::Internal(_) => (S::INTERNAL_SERVER_ERROR, 13, "Internal"),
            },
            ServerError::BadRequest(_) => (S::BAD_REQUEST, 3, "InvalidArgument"),
            ServerError::NoRoute(_) => (S::NOT_FOUND, 5, "NotFound"),
            ServerError::TooLarge(_) => (S::PAYLOAD_TOO_LARGE, 8, "ResourceExhausted"),
            ServerError::ArtifactStore(_) => (S::SERVICE_UNAVAILABLE, 14, "Unavailable"),
            ServerError::Corrupt(_) => (S::INTERNAL_SERVER_ERROR, 15, "DataLoss"),
            ServerError::UploadCut(_) => (S::BAD_REQUEST, 3, "InvalidArgument"),
            ServerError::RangeNotSatisfiable { .. } => (S::RANGE_NOT_SATISFIABLE, 11, "OutOfRange"),
            ServerError::TooManyLogins { .. } => (S::TOO_MANY_REQUESTS, 8, "ResourceExhausted"),
            ServerError::Blocking => (S::SERVICE_UNAVAILABLE, 14, "Unavailable"),
        }
    }

    /// The message shown to the client.
    fn public_message(&self) -> String {
        match self {
            ServerError::Store(StoreError::Internal(_)) => {
                "internal server error; the server log has the details".into()
            }
            ServerError::Store(StoreError::Unavailable(_)) => {
                "the database is unavailable; try again shortly".into()
            }
            ServerError::ArtifactStore(_) => {
                "the artifact store is unavailable; try again shortly".into()
            }
            other => other.to_string(),
        }
    }

    /// Classifies an artifact-store failure.
    pub fn artifacts(err: std::io::Error) -> ServerError {
        match err.kind() {
            std::io::ErrorKind::UnexpectedEof => ServerError::UploadCut(err.to_string()),
            std::io::ErrorKind::FileTooLarge => ServerError::TooLarge(err.to_string()),
            _ => ServerError::ArtifactStore(err.to_string()),
        }
    }
}

impl ResponseError for ServerError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code, reason) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(status);
        match self {
            ServerError::TooManyLogins { retry_after, .. } => {
                response.insert_header((
                    actix_web::http::header::RETRY_AFTER,
                    retry_after.to_string(),
                ));
            }
            ServerError::RangeNotSatisfiable { size, .. } => {
                response.insert_header((
                    actix_web::http::header::CONTENT_RANGE,
                    format!("bytes */{size}"),
                ));
            }
            _ => {}
        }
        response.json(ApiError::new(code, reason, self.public_message()))
    }
}

/// Answers a path segment that its handler cannot read (`web::PathConfig`)
/// in the error shape of `API.md`, with serde's words and not actix's
/// wrapper. Handlers read segments as strings and check them themselves
/// (see `routes::path_id`), so this is the net under them.
pub fn path_error(
    err: actix_web::error::PathError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let detail = match &err {
        actix_web::error::PathError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    ServerError::BadRequest(format!("invalid path {}: {detail}", req.path())).into()
}

/// Shorthand for handler results.
pub type ServerResult<T> = Result<T, ServerError>;

/// Runs a point read (one model, one version, a page of versions): on
/// SQLite inline, when the pool has an idle connection, because such a read
/// takes tens of microseconds, less than the hand-off to a blocking thread
/// and back; otherwise (PostgreSQL's network round trip, a busy pool) on the
/// blocking pool, like [`blocking`].
pub async fn point_read<T, F>(store: modelreg_store::Store, f: F) -> ServerResult<T>
where
    F: FnOnce(&modelreg_store::Store) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    if store.can_read_inline() {
        return f(&store).map_err(ServerError::from);
    }
    blocking(move || f(&store)).await
}

/// Saves a checked write. On SQLite the write is queued for the writer
/// thread and awaited without holding a thread, and what follows it (the
/// read-back of its rows) runs like a [`point_read`]. On PostgreSQL it runs
/// on the blocking pool, like [`blocking`].
pub async fn saved<T>(
    store: modelreg_store::Store,
    write: modelreg_store::Write<T>,
) -> ServerResult<T>
where
    T: Send + 'static,
{
    match write.queue() {
        Ok(queued) => {
            let then = queued.await?;
            point_read(store, then).await
        }
        Err(write) => blocking(move || write.wait()).await,
    }
}

/// Runs a blocking store call on the blocking thread pool.
pub async fn blocking<T, F>(f: F) -> ServerResult<T>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(f)
        .await
        .map_err(|_| ServerError::Blocking)?
        .map_err(ServerError::from)
}

#[cfg(test)]
mod tests {
    use super::path_error;
    use actix_web::{test, web, App};

    #[actix_web::test]
    async fn unreadable_path_segments_are_a_json_400_without_rust_internals() {
        let app = test::init_service(
            App::new()
                .app_data(web::PathConfig::default().error_handler(path_error))
                .route(
                    "/things/{id}",
                    web::get().to(|id: web::Path<i32>| async move { id.to_string() }),
                ),
        )
        .await;
        let req = test::TestRequest::get().uri("/things/x1").to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), 400);
        let body: serde_json::Value = test::read_body_json(resp).await;
        let message = body["error"]["error"].as_str().unwrap();
        assert!(message.contains("\"x1\""), "{message}");
        assert!(!message.contains("Path("), "{message}");
        assert!(!message.contains("deserialize"), "{message}");
        assert_eq!(body["error"]["code"], 3);
    }
}
