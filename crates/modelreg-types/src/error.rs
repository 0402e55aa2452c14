//! The error body of every failed request.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of an error response: `{"error": {"code", "reason", "error"}}`,
/// with the code and message repeated at the top level (`code`, `message`,
/// `details`) because the Determined client reads the message from either place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiError {
    /// The gRPC status code, as in `error.code`.
    #[serde(default)]
    pub code: i32,
    /// The message, as in `error.error`.
    #[serde(default)]
    pub message: String,
    /// Always empty; present for grpc-gateway compatibility.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<serde_json::Value>,
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
        let message = message.into();
        ApiError {
            code,
            message: message.clone(),
            details: Vec::new(),
            error: ErrorDetail {
                code,
                reason: reason.to_string(),
                error: message,
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
