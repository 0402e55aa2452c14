//! Errors of the store.
//!
//! Error types by layer: the store returns [`StoreError`]; the server maps
//! each variant to one HTTP status (`modelreg-server`'s `errors.rs`); the SDK
//! returns its own `ClientError`. Database errors are classified once, here:
//! a unique violation is [`StoreError::AlreadyExists`] only where the caller
//! says what already exists, and a lost connection is [`StoreError::Unavailable`].

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A failure of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The thing to create exists already.
    #[error("{0}")]
    AlreadyExists(String),
    /// The request is invalid in itself.
    #[error("{0}")]
    InvalidArgument(String),
    /// The request is valid but the current state forbids it.
    #[error("{0}")]
    FailedPrecondition(String),
    /// The user may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// Bad or missing credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// The database cannot be reached.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a fault of the server or the database.
    #[error("internal store error: {0}")]
    Internal(String),
}

/// The result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

impl From<DieselError> for StoreError {
    fn from(err: DieselError) -> Self {
        match &err {
            DieselError::NotFound => StoreError::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::AlreadyExists(info.message().to_string())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                StoreError::Unavailable(err.to_string())
            }
            DieselError::DatabaseError(_, info) if is_busy_message(info.message()) => {
                StoreError::Unavailable(err.to_string())
            }
            DieselError::BrokenTransactionManager => StoreError::Unavailable(err.to_string()),
            _ => StoreError::Internal(err.to_string()),
        }
    }
}

/// Messages of a database that is locked, restarting or gone: worth a retry, not a 500.
fn is_busy_message(message: &str) -> bool {
    const TRANSIENT: &[&str] = &[
        "database is locked",
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not connect",
        "connection refused",
        "the database system is starting up",
        "the database system is shutting down",
    ];
    TRANSIENT.iter().any(|t| message.contains(t))
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable(err.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Internal(format!("stored JSON is unreadable: {err}"))
    }
}

/// Maps a unique violation to [`StoreError::AlreadyExists`] with a message
/// that names the thing; leaves other errors as they are.
pub(crate) fn on_unique_violation(
    message: impl Into<String>,
) -> impl FnOnce(DieselError) -> StoreError {
    let message = message.into();
    move |err| match err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            StoreError::AlreadyExists(message)
        }
        other => other.into(),
    }
}

/// Maps `NotFound` to [`StoreError::NotFound`] with a message that names the thing.
pub(crate) fn on_not_found(message: impl Into<String>) -> impl FnOnce(DieselError) -> StoreError {
    let message = message.into();
    move |err| match err {
        DieselError::NotFound => StoreError::NotFound(message),
        other => other.into(),
    }
}
