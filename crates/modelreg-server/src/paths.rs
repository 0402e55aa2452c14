//! Trailing slashes are ignored on the API (`/api/v1/models/` is `/api/v1/models`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::middleware::Next;

/// Middleware: drops trailing slashes, except under `/docs/` whose pages need them.
pub async fn trim_trailing_slash(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    if path.len() > 1 && path.ends_with('/') && !path.starts_with("/docs") {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let path_and_query = match req.query_string() {
            "" => trimmed.to_string(),
            query => format!("{trimmed}?{query}"),
        };
        let mut parts = req.head().uri.clone().into_parts();
        parts.path_and_query = path_and_query.parse().ok();
        if let Ok(uri) = Uri::from_parts(parts) {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
        }
    }
    next.call(req).await
}
