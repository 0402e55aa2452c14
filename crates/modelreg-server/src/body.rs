//! Request bodies: JSON whether or not a `Content-Type` is sent (the
//! Determined client sends none), with a size limit and clear 400s.

use crate::errors::ServerError;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

/// The largest body accepted, in bytes; set as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ServerError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ServerError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(1024 * 1024, |l| l.0);
        let body = web::Bytes::from_request(req, payload);
        let declared_too_large = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|len| len > limit);
        Box::pin(async move {
            if declared_too_large {
                return Err(too_large(limit));
            }
            let bytes = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => too_large(limit),
                _ => ServerError::BadRequest(format!("cannot read the request body: {e}")),
            })?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

fn too_large(limit: usize) -> ServerError {
    ServerError::TooLarge(format!(
        "the request body is larger than the limit of {limit} bytes"
    ))
}

/// Parses a JSON body; an empty body reads as `{}`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServerError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    // serde would read a struct from a JSON array too; every body here is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ServerError::BadRequest(
            "invalid request body: expected a JSON object".into(),
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ServerError::BadRequest(format!("invalid request body: {e}")))
}

/// Reads a body that may come wrapped as `{"<field>": {...}}` (as Determined's
/// client sends PATCH bodies) or bare.
pub fn parse_maybe_wrapped<T: DeserializeOwned>(
    value: serde_json::Value,
    field: &str,
) -> Result<T, ServerError> {
    let inner = match value {
        serde_json::Value::Object(mut map) if map.get(field).is_some_and(|v| v.is_object()) => {
            map.remove(field).unwrap_or_default()
        }
        other => other,
    };
    serde_json::from_value(inner)
        .map_err(|e| ServerError::BadRequest(format!("invalid request body: {e}")))
}
