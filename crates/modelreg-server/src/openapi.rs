//! The OpenAPI document, generated from the handlers and the wire types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;

/// Adds the title, version and bearer security scheme to the collected paths.
pub fn finish(mut api: OpenApi) -> OpenApi {
    api.info.title = "modelreg".into();
    api.info.version = env!("CARGO_PKG_VERSION").into();
    api.info.description = Some(
        "The modelreg model registry. Wire-compatible with Determined's v1 model-registry API; \
         native extensions under the same prefix."
            .into(),
    );
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    api.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    api
}
