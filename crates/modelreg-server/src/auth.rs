//! Authentication and authorization: every `/api/v1` route but login needs a
//! bearer token (a login session or an API token), and [`required_role`]
//! says which role each route needs.
//!
//! The checks are one middleware over the whole API, so a new route cannot
//! forget them; handlers read the user with the [`CurrentUser`] extractor.
//! Ownership rules (who may delete a model or a version) live in the store.

use crate::auth_cache::AuthCache;
use crate::errors::{blocking, ServerError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use modelreg_store::{AuthUser, Store, StoreError};
use modelreg_types::Role;
use std::future::{ready, Ready};

/// Routes under `/api/v1` that need no token.
const OPEN_ROUTES: &[&str] = &["/api/v1/auth/login", "/api/v1/openapi.json"];

fn needs_token(path: &str) -> bool {
    (path.starts_with("/api/v1/") || path.starts_with("/checkpoints/"))
        && !OPEN_ROUTES.contains(&path)
}

/// The least role a route needs, beyond a valid token.
///
/// - Reading (GET, HEAD) needs any role, as do logging out, managing one's
///   own API tokens and changing one's own password or display name (the
///   store refuses the rest of `PATCH /users/{id}` to non-admins).
/// - Creating users needs an admin.
/// - Every other write needs an editor.
pub fn required_role(method: &Method, path: &str) -> Role {
    let reading = method == Method::GET || method == Method::HEAD;
    if reading || path == "/api/v1/auth/logout" || path.starts_with("/api/v1/tokens") {
        return Role::Viewer;
    }
    match path.strip_prefix("/api/v1/users") {
        Some(rest) => {
            let one_user = rest.starts_with('/') && !rest[1..].contains('/');
            let patching_one = method == Method::PATCH && one_user;
            let password = method == Method::POST && rest.ends_with("/password");
            if patching_one || password {
                Role::Viewer
            } else {
                Role::Admin
            }
        }
        None => Role::Editor,
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// Whether a request may end sessions or change who a token acts as:
/// logout, token revocation, and any change to a user.
fn is_identity_change(method: &Method, path: &str) -> bool {
    *method != Method::GET
        && (path == "/api/v1/auth/logout"
            || path.starts_with("/api/v1/tokens/")
            || path.starts_with("/api/v1/users/"))
}

/// Middleware: refuses API requests without a live session with 401.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !needs_token(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let user = match bearer_token(req.request()) {
        None => Err(ServerError::Store(StoreError::Unauthenticated(
            "authentication required: log in and send the token as \"Authorization: Bearer <token>\"".into(),
        ))),
        Some(token) => {
            let cache = req.app_data::<web::Data<AuthCache>>().cloned();
            match (cache.as_ref().and_then(|c| c.get(&token)), req.app_data::<web::Data<Store>>()) {
                (Some(user), _) => Ok(user),
                (None, Some(store)) => {
                    let store = store.get_ref().clone();
                    let checked = token.clone();
                    let user = blocking(move || store.authenticate(&checked)).await;
                    if let (Ok(user), Some(cache)) = (&user, &cache) {
                        cache.put(&token, user);
                    }
                    user
                }
                (None, None) => Err(ServerError::Blocking),
            }
        }
    };
    let user = user.and_then(|user| {
        let needed = required_role(req.method(), req.path());
        if user.role >= needed {
            Ok(user)
        } else {
            Err(ServerError::Store(StoreError::PermissionDenied(format!(
                "user {} is a {} and this needs the {needed} role",
                user.username, user.role
            ))))
        }
    });
    match user {
        Ok(user) => {
            req.extensions_mut().insert(user);
            let forgets_users = is_identity_change(req.method(), req.path());
            let cache = req.app_data::<web::Data<AuthCache>>().cloned();
            let response = next.call(req).await?;
            if forgets_users {
                if let Some(cache) = cache {
                    cache.clear();
                }
            }
            Ok(response.map_into_left_body())
        }
        Err(err) => Ok(req
            .into_response(err.error_response())
            .map_into_right_body()),
    }
}

/// The user a request acts as; only on routes behind [`require_token`].
pub struct CurrentUser(pub AuthUser);

impl FromRequest for CurrentUser {
    type Error = ServerError;
    type Future = Ready<Result<Self, ServerError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<AuthUser>()
                .cloned()
                .map(CurrentUser)
                .ok_or_else(|| {
                    ServerError::Store(StoreError::Unauthenticated(
                        "authentication required".into(),
                    ))
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_login_and_the_spec_are_open() {
        assert!(!needs_token("/api/v1/auth/login"));
        assert!(!needs_token("/api/v1/openapi.json"));
        assert!(needs_token("/api/v1/models"));
        assert!(needs_token("/api/v1/me"));
        assert!(!needs_token("/info"));
        assert!(!needs_token("/health"));
        assert!(needs_token("/checkpoints/abc"));
    }

    #[test]
    fn roles_follow_the_method_and_the_path() {
        assert_eq!(required_role(&Method::GET, "/api/v1/models"), Role::Viewer);
        assert_eq!(required_role(&Method::POST, "/api/v1/models"), Role::Editor);
        assert_eq!(
            required_role(&Method::DELETE, "/api/v1/models/m"),
            Role::Editor
        );
        assert_eq!(
            required_role(&Method::POST, "/api/v1/auth/logout"),
            Role::Viewer
        );
        assert_eq!(required_role(&Method::POST, "/api/v1/tokens"), Role::Viewer);
        assert_eq!(required_role(&Method::POST, "/api/v1/users"), Role::Admin);
        assert_eq!(
            required_role(&Method::PATCH, "/api/v1/users/3"),
            Role::Viewer
        );
        assert_eq!(
            required_role(&Method::POST, "/api/v1/users/3/password"),
            Role::Viewer
        );
    }
}
