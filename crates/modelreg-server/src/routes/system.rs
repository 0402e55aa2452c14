//! Server information and health.

use super::{owned, StoreData};
use crate::errors::{blocking, ServerResult};
use actix_web::get;
use actix_web::web::Json;
use modelreg_types::{ApiError, HealthResponse, InfoResponse, DETERMINED_API_VERSION};

/// Identifies this server; the Determined CLI reads it before anything else.
#[utoipa::path(tag = "system", responses((status = 200, body = InfoResponse)))]
#[get("/info")]
pub async fn info(id: actix_web::web::Data<crate::ServerIdentity>) -> Json<InfoResponse> {
    Json(InfoResponse {
        version: DETERMINED_API_VERSION.to_string(),
        master_id: id.master_id.clone(),
        cluster_id: id.cluster_id.clone(),
        cluster_name: "modelreg".to_string(),
        telemetry: serde_json::json!({"enabled": false, "segment_key": ""}),
        sso_providers: None,
        modelreg_version: env!("CARGO_PKG_VERSION").to_string(),
    })
}

/// Liveness: answers while the process runs, whatever the database does.
#[utoipa::path(tag = "system", responses((status = 200, body = HealthResponse)))]
#[get("/health")]
pub async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
    })
}

/// Readiness: answers 200 when the database answers, else 503.
#[utoipa::path(tag = "system", responses((status = 200, body = HealthResponse), (status = 503, body = ApiError)))]
#[get("/ready")]
pub async fn ready(store: StoreData) -> ServerResult<Json<HealthResponse>> {
    let store = owned(&store);
    blocking(move || store.ping()).await?;
    Ok(Json(HealthResponse {
        status: "ready".into(),
    }))
}

/// The OpenAPI document, computed once at start.
pub struct OpenApiJson(pub utoipa::openapi::OpenApi);

/// This API's OpenAPI 3 document (no token needed).
#[utoipa::path(tag = "system", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi_json(
    spec: actix_web::web::Data<OpenApiJson>,
) -> Json<utoipa::openapi::OpenApi> {
    Json(spec.0.clone())
}
