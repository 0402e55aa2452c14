//! Login, the current user, logout.

use super::{owned, StoreData};
use crate::auth::{bearer_token, CurrentUser};
use crate::body::JsonBody;
use crate::errors::{blocking, ServerResult};
use actix_web::web::Json;
use actix_web::{get, post, HttpRequest};
use modelreg_types::{ApiError, Empty, LoginRequest, LoginResponse, UserResponse};

/// Log in; answers a session token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ApiError), (status = 401, body = ApiError))
)]
#[post("/auth/login")]
pub async fn login(
    store: StoreData,
    body: JsonBody<LoginRequest>,
) -> ServerResult<Json<LoginResponse>> {
    let store = owned(&store);
    let req = body.0;
    let password = req.password.unwrap_or_default();
    let is_hashed = req.is_hashed.unwrap_or(false);
    let (token, user) = blocking(move || store.login(&req.username, &password, is_hashed)).await?;
    Ok(Json(LoginResponse { token, user }))
}

/// The user the token belongs to.
#[utoipa::path(tag = "auth", responses((status = 200, body = UserResponse), (status = 401, body = ApiError)))]
#[get("/me")]
pub async fn me(store: StoreData, user: CurrentUser) -> ServerResult<Json<UserResponse>> {
    let store = owned(&store);
    let user = blocking(move || store.get_user(user.0.id)).await?;
    Ok(Json(UserResponse { user }))
}

/// End the session of the token sent.
#[utoipa::path(tag = "auth", responses((status = 200, body = Empty), (status = 401, body = ApiError)))]
#[post("/auth/logout")]
pub async fn logout(store: StoreData, req: HttpRequest) -> ServerResult<Json<Empty>> {
    let store = owned(&store);
    if let Some(token) = bearer_token(&req) {
        blocking(move || store.logout(&token)).await?;
    }
    Ok(Json(Empty {}))
}
