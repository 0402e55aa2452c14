//! `/api/v1/models/{modelName}/versions`: register, read, list, change, delete.

use super::{model_key, owned, version_number, StoreData};
use crate::auth::CurrentUser;
use crate::body::{parse_maybe_wrapped, JsonBody};
use crate::errors::{blocking, point_read, saved, ServerResult};
use crate::query::version_query;
use actix_web::web::{Json, Path};
use actix_web::{delete, get, patch, post, HttpRequest};
use modelreg_types::{
    ApiError, Empty, MetadataChange, ModelVersionResponse, ModelVersionsResponse,
    PatchVersionRequest, RegisterVersionRequest,
};

/// List a model's versions.
#[utoipa::path(
    tag = "versions",
    params(
        ("modelName" = String, Path, description = "Model name, or all-digit id"),
        ("sortBy" = Option<modelreg_types::VersionSortBy>, Query, description = "Sort key"),
        ("orderBy" = Option<modelreg_types::OrderBy>, Query, description = "Order"),
        ("offset" = Option<i32>, Query, description = "First item; negative counts back from the end"),
        ("limit" = Option<i32>, Query, description = "Most items; 0 means no limit"),
    ),
    responses((status = 200, body = ModelVersionsResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[get("/models/{modelName}/versions")]
pub async fn get_versions(
    store: StoreData,
    name: Path<String>,
    req: HttpRequest,
) -> ServerResult<Json<ModelVersionsResponse>> {
    let query = version_query(req.query_string())?;
    let (store, key) = (owned(&store), model_key(&name));
    let (model, model_versions, pagination) =
        point_read(store, move |store| store.list_versions(&key, query)).await?;
    Ok(Json(ModelVersionsResponse {
        model,
        model_versions,
        pagination,
    }))
}

/// Register a completed checkpoint as the model's next version.
#[utoipa::path(
    tag = "versions",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    request_body = RegisterVersionRequest,
    responses((status = 200, body = ModelVersionResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/models/{modelName}/versions")]
pub async fn post_version(
    store: StoreData,
    user: CurrentUser,
    name: Path<String>,
    body: JsonBody<RegisterVersionRequest>,
) -> ServerResult<Json<ModelVersionResponse>> {
    let write = store.register_version_write(&model_key(&name), &user.0, body.0)?;
    let model_version = saved(owned(&store), write).await?;
    Ok(Json(ModelVersionResponse { model_version }))
}

/// Get one version of a model.
#[utoipa::path(
    tag = "versions",
    params(
        ("modelName" = String, Path, description = "Model name, or all-digit id"),
        ("modelVersionNum" = i32, Path, description = "Version number"),
    ),
    responses((status = 200, body = ModelVersionResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[get("/models/{modelName}/versions/{modelVersionNum}")]
pub async fn get_version(
    store: StoreData,
    path: Path<(String, String)>,
) -> ServerResult<Json<ModelVersionResponse>> {
    let number = version_number(&path.1)?;
    let (store, key) = (owned(&store), model_key(&path.0));
    let model_version = point_read(store, move |store| store.get_version(&key, number)).await?;
    Ok(Json(ModelVersionResponse { model_version }))
}

/// Change a version; absent fields stay as they are.
#[utoipa::path(
    tag = "versions",
    params(
        ("modelName" = String, Path, description = "Model name, or all-digit id"),
        ("modelVersionNum" = i32, Path, description = "Version number"),
    ),
    request_body(content = PatchVersionRequest, description = "The changes, bare or wrapped as {\"modelVersion\": {...}}"),
    responses((status = 200, body = ModelVersionResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[patch("/models/{modelName}/versions/{modelVersionNum}")]
pub async fn patch_version(
    store: StoreData,
    path: Path<(String, String)>,
    body: JsonBody<serde_json::Value>,
) -> ServerResult<Json<ModelVersionResponse>> {
    let number = version_number(&path.1)?;
    let patch = parse_maybe_wrapped::<PatchVersionRequest>(body.0, "modelVersion")?;
    let (store, key) = (owned(&store), model_key(&path.0));
    let model_version = blocking(move || store.patch_version(&key, number, patch)).await?;
    Ok(Json(ModelVersionResponse { model_version }))
}

/// Merge keys into a version's metadata and remove keys, atomically (modelreg extension).
#[utoipa::path(
    tag = "versions",
    params(
        ("modelName" = String, Path, description = "Model name, or all-digit id"),
        ("modelVersionNum" = i32, Path, description = "Version number"),
    ),
    request_body = MetadataChange,
    responses((status = 200, body = ModelVersionResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/models/{modelName}/versions/{modelVersionNum}/metadata")]
pub async fn change_version_metadata(
    store: StoreData,
    path: Path<(String, String)>,
    body: JsonBody<MetadataChange>,
) -> ServerResult<Json<ModelVersionResponse>> {
    let number = version_number(&path.1)?;
    let (store, key) = (owned(&store), model_key(&path.0));
    let model_version =
        blocking(move || store.change_version_metadata(&key, number, &body.0)).await?;
    Ok(Json(ModelVersionResponse { model_version }))
}

/// Delete one version (its creator, the model's owner or an admin); its number is never handed out again.
#[utoipa::path(
    tag = "versions",
    params(
        ("modelName" = String, Path, description = "Model name, or all-digit id"),
        ("modelVersionNum" = i32, Path, description = "Version number"),
    ),
    responses((status = 200, body = Empty), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
#[delete("/models/{modelName}/versions/{modelVersionNum}")]
pub async fn delete_version(
    store: StoreData,
    user: CurrentUser,
    path: Path<(String, String)>,
) -> ServerResult<Json<Empty>> {
    let number = version_number(&path.1)?;
    let (store, key) = (owned(&store), model_key(&path.0));
    blocking(move || store.delete_version(&key, number, &user.0)).await?;
    Ok(Json(Empty {}))
}
