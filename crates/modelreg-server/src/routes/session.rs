//! Login, the current user, logout.

use super::{owned, StoreData};
use crate::auth::{bearer_token, CurrentUser};
use crate::body::JsonBody;
use crate::errors::{blocking, ServerError, ServerResult};
use crate::throttle::LoginThrottle;
use actix_web::web::Data;
use actix_web::web::Json;
use actix_web::{get, post, HttpRequest};
use modelreg_store::StoreError;
use modelreg_types::{ApiError, Empty, LoginRequest, LoginResponse, UserResponse};

/// Log in; answers a session token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 429, body = ApiError, description = "Too many failed logins; see Retry-After"))
)]
#[post("/auth/login")]
pub async fn login(
    store: StoreData,
    throttle: Data<LoginThrottle>,
    http: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> ServerResult<Json<LoginResponse>> {
    let req = body.0;
    let addr = http
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    if let Some(retry_after) = throttle.wait(&req.username, &addr) {
        return Err(ServerError::TooManyLogins {
            user: req.username,
            retry_after,
        });
    }
    let store = owned(&store);
    let username = req.username.clone();
    let password = req.password.unwrap_or_default();
    let is_hashed = req.is_hashed.unwrap_or(false);
    match blocking(move || store.login(&username, &password, is_hashed)).await {
        Ok((token, user)) => {
            throttle.succeeded(&req.username, &addr);
            Ok(Json(LoginResponse { token, user }))
        }
        Err(err) => {
            if matches!(err, ServerError::Store(StoreError::Unauthenticated(_))) {
                throttle.failed(&req.username, &addr);
                tracing::warn!(user = %req.username, %addr, "failed login");
            }
            Err(err)
        }
    }
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
