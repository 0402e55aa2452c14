//! `/api/v1/checkpoints`: record, read and list checkpoints.

use super::{owned, StoreData};
use crate::body::JsonBody;
use crate::errors::{blocking, ServerResult};
use crate::query::QueryPairs;
use actix_web::web::{Json, Path};
use actix_web::{get, post, HttpRequest};
use modelreg_types::{ApiError, CheckpointResponse, CheckpointsResponse, CreateCheckpointRequest};

/// Record a checkpoint (modelreg extension). `uuid` is generated when absent;
/// `state` defaults to `STATE_COMPLETED`.
#[utoipa::path(
    tag = "checkpoints",
    request_body = CreateCheckpointRequest,
    responses((status = 200, body = CheckpointResponse), (status = 400, body = ApiError), (status = 409, body = ApiError))
)]
#[post("/checkpoints")]
pub async fn post_checkpoint(
    store: StoreData,
    body: JsonBody<CreateCheckpointRequest>,
) -> ServerResult<Json<CheckpointResponse>> {
    let store = owned(&store);
    let checkpoint = blocking(move || store.create_checkpoint(body.0)).await?;
    Ok(Json(CheckpointResponse { checkpoint }))
}

/// List checkpoints, oldest first (modelreg extension).
#[utoipa::path(
    tag = "checkpoints",
    params(
        ("offset" = Option<i32>, Query, description = "First item; negative counts back from the end"),
        ("limit" = Option<i32>, Query, description = "Most items; 0 means no limit"),
    ),
    responses((status = 200, body = CheckpointsResponse), (status = 400, body = ApiError))
)]
#[get("/checkpoints")]
pub async fn get_checkpoints(
    store: StoreData,
    req: HttpRequest,
) -> ServerResult<Json<CheckpointsResponse>> {
    let page = QueryPairs::parse(req.query_string()).page()?;
    let store = owned(&store);
    let (checkpoints, pagination) = blocking(move || store.list_checkpoints(page)).await?;
    Ok(Json(CheckpointsResponse {
        checkpoints,
        pagination,
    }))
}

/// Get a checkpoint by uuid.
#[utoipa::path(
    tag = "checkpoints",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    responses((status = 200, body = CheckpointResponse), (status = 404, body = ApiError))
)]
#[get("/checkpoints/{checkpointUuid}")]
pub async fn get_checkpoint(
    store: StoreData,
    uuid: Path<String>,
) -> ServerResult<Json<CheckpointResponse>> {
    let store = owned(&store);
    let checkpoint = blocking(move || store.get_checkpoint(&uuid)).await?;
    Ok(Json(CheckpointResponse { checkpoint }))
}

/// Determined's `Checkpoint.add_metadata`/`remove_metadata`: replaces the
/// checkpoint's metadata with `checkpoint.metadata`; other fields are ignored.
#[utoipa::path(
    tag = "checkpoints",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    request_body(content = Object, description = "{\"checkpoint\": {\"metadata\": {...}}}"),
    responses((status = 200, body = CheckpointResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/checkpoints/{checkpointUuid}/metadata")]
pub async fn replace_checkpoint_metadata(
    store: StoreData,
    uuid: Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ServerResult<Json<CheckpointResponse>> {
    let metadata = match body.0.get("checkpoint").and_then(|c| c.get("metadata")) {
        Some(serde_json::Value::Object(map)) => map.clone(),
        Some(serde_json::Value::Null) | None => Default::default(),
        Some(other) => {
            return Err(crate::errors::ServerError::BadRequest(format!(
                "checkpoint.metadata must be a JSON object, got {other}"
            )))
        }
    };
    let store = owned(&store);
    let checkpoint = blocking(move || store.replace_checkpoint_metadata(&uuid, metadata)).await?;
    Ok(Json(CheckpointResponse { checkpoint }))
}
