//! Long-lived API tokens for automation (modelreg extension).

use super::{owned, StoreData};
use crate::auth::CurrentUser;
use crate::body::JsonBody;
use crate::errors::{blocking, ServerResult};
use actix_web::web::{Json, Path};
use actix_web::{delete, get, post};
use modelreg_types::{
    ApiError, CreateTokenRequest, CreateTokenResponse, TokenInfo, TokensResponse,
};

/// Create an API token acting as the caller. The secret is in this answer only.
#[utoipa::path(
    tag = "tokens",
    request_body = CreateTokenRequest,
    responses((status = 200, body = CreateTokenResponse), (status = 400, body = ApiError))
)]
#[post("/tokens")]
pub async fn create_token(
    store: StoreData,
    user: CurrentUser,
    body: JsonBody<CreateTokenRequest>,
) -> ServerResult<Json<CreateTokenResponse>> {
    let store = owned(&store);
    let (token, info) =
        blocking(move || store.create_token(&user.0, &body.0.name, body.0.expires_in_seconds))
            .await?;
    Ok(Json(CreateTokenResponse { token, info }))
}

/// The caller's API tokens (an admin's list holds everyone's), newest first.
#[utoipa::path(tag = "tokens", responses((status = 200, body = TokensResponse)))]
#[get("/tokens")]
pub async fn list_tokens(
    store: StoreData,
    user: CurrentUser,
) -> ServerResult<Json<TokensResponse>> {
    let store = owned(&store);
    let tokens = blocking(move || store.list_tokens(&user.0)).await?;
    Ok(Json(TokensResponse { tokens }))
}

/// Revoke an API token; it stops working at once.
#[utoipa::path(
    tag = "tokens",
    params(("tokenId" = i32, Path, description = "The token's id")),
    responses((status = 200, body = TokenInfo), (status = 404, body = ApiError))
)]
#[delete("/tokens/{tokenId}")]
pub async fn revoke_token(
    store: StoreData,
    user: CurrentUser,
    id: Path<String>,
) -> ServerResult<Json<TokenInfo>> {
    let id = super::path_id("token", &id)?;
    let store = owned(&store);
    Ok(Json(
        blocking(move || store.revoke_token(&user.0, id)).await?,
    ))
}
