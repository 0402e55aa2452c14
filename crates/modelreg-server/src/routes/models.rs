//! `/api/v1/models`: Determined's model endpoints and the atomic metadata merge.

use super::{model_key, owned, StoreData};
use crate::auth::CurrentUser;
use crate::body::{parse_maybe_wrapped, JsonBody};
use crate::errors::{blocking, point_read, saved, ServerResult};
use crate::query::model_query;
use actix_web::web::{Json, Path};
use actix_web::{delete, get, patch, post, HttpRequest};
use modelreg_types::{
    ApiError, CreateModelRequest, Empty, LabelsResponse, MetadataChange, ModelResponse,
    ModelsResponse, MoveModelRequest, PatchModelRequest,
};

/// List models, filtered, sorted and paginated.
#[utoipa::path(
    tag = "models",
    params(
        ("sortBy" = Option<modelreg_types::ModelSortBy>, Query, description = "Sort key (name or number); snake_case `sort_by` works too"),
        ("orderBy" = Option<modelreg_types::OrderBy>, Query, description = "Order"),
        ("offset" = Option<i32>, Query, description = "First item; negative counts back from the end"),
        ("limit" = Option<i32>, Query, description = "Most items; 0 means no limit"),
        ("name" = Option<String>, Query, description = "Case-insensitive substring of the name"),
        ("description" = Option<String>, Query, description = "Case-insensitive substring of the description"),
        ("labels" = Option<Vec<String>>, Query, description = "Any of these labels"),
        ("archived" = Option<bool>, Query, description = "Archived or not"),
        ("users" = Option<Vec<String>>, Query, description = "Created by any of these usernames"),
        ("userIds" = Option<Vec<i32>>, Query, description = "Created by any of these user ids"),
        ("id" = Option<i32>, Query, description = "Only this model id (0: no filter)"),
    ),
    responses((status = 200, body = ModelsResponse), (status = 400, body = ApiError), (status = 401, body = ApiError))
)]
#[get("/models")]
pub async fn get_models(store: StoreData, req: HttpRequest) -> ServerResult<Json<ModelsResponse>> {
    let query = model_query(req.query_string())?;
    let store = owned(&store);
    let (models, pagination) = blocking(move || store.list_models(&query)).await?;
    Ok(Json(ModelsResponse { models, pagination }))
}

/// Create a model.
#[utoipa::path(
    tag = "models",
    request_body = CreateModelRequest,
    responses((status = 200, body = ModelResponse), (status = 400, body = ApiError), (status = 409, body = ApiError))
)]
#[post("/models")]
pub async fn post_model(
    store: StoreData,
    user: CurrentUser,
    body: JsonBody<CreateModelRequest>,
) -> ServerResult<Json<ModelResponse>> {
    let write = store.create_model_write(&user.0, body.0)?;
    let model = saved(owned(&store), write).await?;
    Ok(Json(ModelResponse { model }))
}

/// Get a model by name or id.
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    responses((status = 200, body = ModelResponse), (status = 404, body = ApiError))
)]
#[get("/models/{modelName}")]
pub async fn get_model(store: StoreData, name: Path<String>) -> ServerResult<Json<ModelResponse>> {
    let (store, key) = (owned(&store), model_key(&name));
    let model = point_read(store, move |store| store.get_model(&key)).await?;
    Ok(Json(ModelResponse { model }))
}

/// Change a model; absent fields stay as they are, `metadata` replaces the whole object.
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    request_body(content = PatchModelRequest, description = "The changes, bare or wrapped as {\"model\": {...}}"),
    responses((status = 200, body = ModelResponse), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError))
)]
#[patch("/models/{modelName}")]
pub async fn patch_model(
    store: StoreData,
    name: Path<String>,
    body: JsonBody<serde_json::Value>,
) -> ServerResult<Json<ModelResponse>> {
    let patch = parse_maybe_wrapped::<PatchModelRequest>(body.0, "model")?;
    let (store, key) = (owned(&store), model_key(&name));
    let model = blocking(move || store.patch_model(&key, patch)).await?;
    Ok(Json(ModelResponse { model }))
}

/// Merge keys into a model's metadata and remove keys, atomically (modelreg extension).
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    request_body = MetadataChange,
    responses((status = 200, body = ModelResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/models/{modelName}/metadata")]
pub async fn change_model_metadata(
    store: StoreData,
    name: Path<String>,
    body: JsonBody<MetadataChange>,
) -> ServerResult<Json<ModelResponse>> {
    let write = store.change_model_metadata_write(&model_key(&name), &body.0)?;
    let model = saved(owned(&store), write).await?;
    Ok(Json(ModelResponse { model }))
}

/// Archive a model: it keeps its versions but takes no new ones.
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    responses((status = 200, body = Empty), (status = 404, body = ApiError))
)]
#[post("/models/{modelName}/archive")]
pub async fn archive_model(store: StoreData, name: Path<String>) -> ServerResult<Json<Empty>> {
    let (store, key) = (owned(&store), model_key(&name));
    blocking(move || store.set_archived(&key, true)).await?;
    Ok(Json(Empty {}))
}

/// Unarchive a model.
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    responses((status = 200, body = Empty), (status = 404, body = ApiError))
)]
#[post("/models/{modelName}/unarchive")]
pub async fn unarchive_model(store: StoreData, name: Path<String>) -> ServerResult<Json<Empty>> {
    let (store, key) = (owned(&store), model_key(&name));
    blocking(move || store.set_archived(&key, false)).await?;
    Ok(Json(Empty {}))
}

/// Move a model to a workspace.
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    request_body = MoveModelRequest,
    responses((status = 200, body = Empty), (status = 404, body = ApiError))
)]
#[post("/models/{modelName}/move")]
pub async fn move_model(
    store: StoreData,
    name: Path<String>,
    body: JsonBody<MoveModelRequest>,
) -> ServerResult<Json<Empty>> {
    let (store, key) = (owned(&store), model_key(&name));
    blocking(move || store.move_model(&key, body.0.destination_workspace_id)).await?;
    Ok(Json(Empty {}))
}

/// Delete a model and all its versions (its owner or an admin).
#[utoipa::path(
    tag = "models",
    params(("modelName" = String, Path, description = "Model name, or all-digit id")),
    responses((status = 200, body = Empty), (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
#[delete("/models/{modelName}")]
pub async fn delete_model(
    store: StoreData,
    user: CurrentUser,
    name: Path<String>,
) -> ServerResult<Json<Empty>> {
    let (store, key) = (owned(&store), model_key(&name));
    blocking(move || store.delete_model(&key, &user.0)).await?;
    Ok(Json(Empty {}))
}

/// Every model label in use, most used first.
#[utoipa::path(
    tag = "models",
    params(("workspaceId" = Option<i32>, Query, description = "Workspace (only the default exists)")),
    responses((status = 200, body = LabelsResponse))
)]
#[get("/model/labels")]
pub async fn get_model_labels(store: StoreData) -> ServerResult<Json<LabelsResponse>> {
    let store = owned(&store);
    let labels = blocking(move || store.model_labels()).await?;
    Ok(Json(LabelsResponse { labels }))
}
