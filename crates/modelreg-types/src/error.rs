//! The error body of every failed request.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of an error response: `{"error": {"code", "reason", "error"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The details of an error, in grpc-gateway's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// The gRPC status code, e.g. 5 for NotFound.
    pub code: i32,
    /// The gRPC status name, e.g. `NotFound`.
    pub reason: String,
    /// A message for the person reading it.
    pub error: String,
}

impl ApiError {
    /// Builds an error body from a gRPC code, its name and a message.
    pub fn new(code: i32, reason: &str, message: impl Into<String>) -> Self {
        ApiError {
            error: ErrorDetail {
                code,
                reason: reason.to_string(),
                error: message.into(),
            },
        }
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.error.error
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error.reason, self.error.error)
    }
}
