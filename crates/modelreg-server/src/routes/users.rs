//! Users, in Determined's shapes so that `det user ...` works too.

use super::{owned, StoreData};
use crate::auth::CurrentUser;
use crate::body::JsonBody;
use crate::errors::{blocking, ServerResult};
use crate::query::QueryPairs;
use actix_web::web::{Data, Json, Path};
use actix_web::{get, patch, post, HttpRequest};
use modelreg_types::{
    ApiError, CreateUserRequest, MasterResponse, PatchUserRequest, SetPasswordRequest,
    UserResponse, UsersResponse, DETERMINED_API_VERSION,
};

/// Cluster information, as `det user list` reads it.
#[utoipa::path(tag = "users", responses((status = 200, body = MasterResponse)))]
#[get("/master")]
pub async fn master(id: Data<crate::ServerIdentity>) -> Json<MasterResponse> {
    Json(MasterResponse {
        version: DETERMINED_API_VERSION.to_string(),
        master_id: id.master_id.clone(),
        cluster_id: id.cluster_id.clone(),
        cluster_name: "modelreg".into(),
        has_custom_logo: false,
        strict_job_queue_control: false,
        rbac_enabled: false,
    })
}

/// List users by id.
#[utoipa::path(
    tag = "users",
    params(
        ("active" = Option<bool>, Query, description = "Only active (true) or inactive (false) users"),
        ("offset" = Option<i32>, Query, description = "First item"),
        ("limit" = Option<i32>, Query, description = "Most items"),
    ),
    responses((status = 200, body = UsersResponse), (status = 400, body = ApiError))
)]
#[get("/users")]
pub async fn list_users(store: StoreData, req: HttpRequest) -> ServerResult<Json<UsersResponse>> {
    let pairs = QueryPairs::parse(req.query_string());
    let (active, page) = (pairs.bool("active", "active")?, pairs.page()?);
    let store = owned(&store);
    let (users, pagination) = blocking(move || store.list_users(active, page)).await?;
    Ok(Json(UsersResponse { users, pagination }))
}

/// Create a user (admins only).
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses((status = 200, body = UserResponse), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError))
)]
#[post("/users")]
pub async fn create_user(
    store: StoreData,
    body: JsonBody<CreateUserRequest>,
) -> ServerResult<Json<UserResponse>> {
    let req = body.0;
    let store = owned(&store);
    let user = blocking(move || {
        store.create_user(
            &req.user,
            req.password.as_deref().unwrap_or(""),
            req.is_hashed.unwrap_or(false),
        )
    })
    .await?;
    Ok(Json(UserResponse { user }))
}

/// Get a user by id.
#[utoipa::path(
    tag = "users",
    params(("userId" = i32, Path, description = "The user's id")),
    responses((status = 200, body = UserResponse), (status = 404, body = ApiError))
)]
#[get("/users/{userId}")]
pub async fn get_user(store: StoreData, id: Path<String>) -> ServerResult<Json<UserResponse>> {
    let id = user_id(&id)?;
    let store = owned(&store);
    let user = blocking(move || store.get_user(id)).await?;
    Ok(Json(UserResponse { user }))
}

/// Get a user by name.
#[utoipa::path(
    tag = "users",
    params(("username" = String, Path, description = "The login name")),
    responses((status = 200, body = UserResponse), (status = 404, body = ApiError))
)]
#[get("/users/{username}/by-username")]
pub async fn get_user_by_name(
    store: StoreData,
    name: Path<String>,
) -> ServerResult<Json<UserResponse>> {
    let store = owned(&store);
    let user = blocking(move || store.user_by_name(&name)).await?;
    Ok(Json(UserResponse { user }))
}

/// Change a user. Admins may change anything; others only their own display name and password.
#[utoipa::path(
    tag = "users",
    params(("userId" = i32, Path, description = "The user's id")),
    request_body = PatchUserRequest,
    responses((status = 200, body = UserResponse), (status = 400, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
#[patch("/users/{userId}")]
pub async fn patch_user(
    store: StoreData,
    actor: CurrentUser,
    req: HttpRequest,
    id: Path<String>,
    body: JsonBody<PatchUserRequest>,
) -> ServerResult<Json<UserResponse>> {
    let id = user_id(&id)?;
    let store = owned(&store);
    let token = crate::auth::bearer_token(&req);
    let user =
        blocking(move || store.patch_user_keeping(&actor.0, id, &body.0, token.as_deref())).await?;
    Ok(Json(UserResponse { user }))
}

/// Set a user's password: one's own, or anyone's for an admin.
#[utoipa::path(
    tag = "users",
    params(("userId" = i32, Path, description = "The user's id")),
    request_body = SetPasswordRequest,
    responses((status = 200, body = UserResponse), (status = 403, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/users/{userId}/password")]
pub async fn set_password(
    store: StoreData,
    actor: CurrentUser,
    req: HttpRequest,
    id: Path<String>,
    body: JsonBody<SetPasswordRequest>,
) -> ServerResult<Json<UserResponse>> {
    let id = user_id(&id)?;
    let patch = PatchUserRequest {
        password: Some(body.0.password),
        is_hashed: body.0.is_hashed,
        ..Default::default()
    };
    let store = owned(&store);
    let token = crate::auth::bearer_token(&req);
    let user =
        blocking(move || store.patch_user_keeping(&actor.0, id, &patch, token.as_deref())).await?;
    Ok(Json(UserResponse { user }))
}

fn user_id(segment: &str) -> ServerResult<i32> {
    super::path_id("user", segment)
}
