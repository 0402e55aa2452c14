//! The modelreg server: actix-web over the store.
//!
//! [`build_app`] assembles the routes; [`run`] serves them on a listener, so
//! tests can bind `127.0.0.1:0` and drive a real server (see [`testing`]).

pub mod admin;
pub mod artifacts;
pub mod auth;
pub mod auth_cache;
pub mod body;
pub mod config;
pub mod errors;
pub mod openapi;
pub mod paths;
pub mod query;
pub mod routes;
pub mod testing;
pub mod throttle;
pub mod tls;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use artifacts::Artifacts;
use body::BodyLimit;
pub use config::ServerConfig;
use errors::ServerError;
use modelreg_store::Store;
use std::net::TcpListener;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

/// Who this server is, as `GET /info` reports it.
#[derive(Debug, Clone)]
pub struct ServerIdentity {
    /// A fresh id per process.
    pub master_id: String,
    /// The id of the cluster (the database).
    pub cluster_id: String,
}

/// Every route and its OpenAPI description, registered once.
fn routes() -> utoipa_actix_web::UtoipaApp<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use routes::*;
    App::new()
        .into_utoipa_app()
        .service(system::info)
        .service(system::health)
        .service(system::ready)
        .service(archive::determined_download)
        .service(
            scope("/api/v1")
                // actix tries the routes in this order and runs a regex for
                // each one with a path parameter: the busiest come first.
                .service(versions::get_versions)
                .service(models::get_model)
                .service(versions::post_version)
                .service(models::change_model_metadata)
                .service(models::get_models)
                .service(models::post_model)
                .service(system::openapi_json)
                .service(session::login)
                .service(session::me)
                .service(session::logout)
                .service(users::master)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_user_by_name)
                .service(users::get_user)
                .service(users::patch_user)
                .service(users::set_password)
                .service(tokens::create_token)
                .service(tokens::list_tokens)
                .service(tokens::revoke_token)
                .service(models::get_model_labels)
                .service(models::patch_model)
                .service(models::archive_model)
                .service(models::unarchive_model)
                .service(models::move_model)
                .service(models::delete_model)
                .service(versions::get_version)
                .service(versions::patch_version)
                .service(versions::change_version_metadata)
                .service(versions::delete_version)
                .service(checkpoints::post_checkpoint)
                .service(checkpoints::get_checkpoints)
                .service(checkpoints::get_checkpoint)
                .service(checkpoints::replace_checkpoint_metadata)
                .service(files::delete_checkpoint)
                .service(files::upload_file)
                .service(files::complete_checkpoint)
                .service(files::list_files)
                .service(files::download_file)
                .service(archive::download_archive),
        )
}

/// The OpenAPI document of every route.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, api) = routes().split_for_parts();
    openapi::finish(api)
}

async fn no_route(req: actix_web::HttpRequest) -> Result<HttpResponse, ServerError> {
    Err(ServerError::NoRoute(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

/// Serves the registry on a bound listener until the server is stopped.
/// Must be called inside an actix system (it starts the cleanup task there).
pub fn run(
    store: Store,
    artifacts: Artifacts,
    config: &ServerConfig,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let identity = ServerIdentity {
        master_id: uuid::Uuid::new_v4().to_string(),
        cluster_id: uuid::Uuid::new_v4().to_string(),
    };
    let limit = config.max_body_bytes;
    let access_log = config.access_log;
    let artifacts = web::Data::new(artifacts);
    let max_age = std::time::Duration::from_secs(config.abandoned_upload_secs.max(1));
    actix_web::rt::spawn(routes::files::clean_up_abandoned(
        store.clone(),
        artifacts.clone(),
        max_age,
    ));
    let upload_limit = routes::files::UploadLimit(config.max_upload_bytes);
    let throttle = web::Data::new(throttle::LoginThrottle::default());
    let auth_cache = web::Data::new(auth_cache::AuthCache::new(
        std::time::Duration::from_millis(config.auth_cache_ms),
    ));
    let store = web::Data::new(store);
    let spec = web::Data::new(routes::system::OpenApiJson(openapi_document()));
    let mut server = HttpServer::new(move || {
        let (app, _) = routes().split_for_parts();
        app.app_data(store.clone())
            .app_data(artifacts.clone())
            .app_data(web::Data::new(upload_limit))
            .app_data(throttle.clone())
            .app_data(auth_cache.clone())
            .app_data(web::Data::new(identity.clone()))
            .app_data(BodyLimit(limit))
            .app_data(web::PayloadConfig::new(limit))
            .app_data(web::PathConfig::default().error_handler(errors::path_error))
            .app_data(spec.clone())
            .service(SwaggerUi::new("/docs/{_:.*}").config(swagger_config()))
            .service(web::redirect("/docs", "/docs/"))
            .default_service(web::to(no_route))
            .wrap(from_fn(auth::require_token))
            .wrap(from_fn(paths::trim_trailing_slash))
            .wrap(actix_web::middleware::Condition::new(
                access_log,
                actix_web::middleware::Logger::new("%r %s %Dms").log_target("modelreg::access"),
            ))
    });
    server = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => {
            server.listen_rustls_0_23(listener, tls::server_config(cert, key)?)?
        }
        _ => server.listen(listener)?,
    };
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

fn swagger_config() -> utoipa_swagger_ui::Config<'static> {
    utoipa_swagger_ui::Config::from("/api/v1/openapi.json").persist_authorization(true)
}

/// Opens the store that the configuration names, creating the data dir.
pub fn open_store(config: &ServerConfig) -> Result<Store, modelreg_store::StoreError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        modelreg_store::StoreError::Unavailable(format!(
            "cannot create the data dir {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let store = Store::open(&config.database_url(), &config.pool_options())?.with_session_lifetime(
        std::time::Duration::from_secs(config.session_hours.max(1) * 3600),
    );
    if let Some(password) = config
        .initial_admin_password
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        if store
            .users_with_blank_password()?
            .iter()
            .any(|u| u == "admin")
        {
            store.set_password("admin", password)?;
            tracing::info!("set the admin user's password from MODELREG_INITIAL_ADMIN_PASSWORD");
        }
    }
    Ok(store)
}

/// Refuses to serve a non-loopback address while active users have blank
/// passwords, unless `--allow-blank-passwords` says so.
pub fn check_exposure(config: &ServerConfig, store: &Store) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let loopback_only = config
        .bind
        .to_socket_addrs()
        .map(|mut addrs| addrs.all(|a| a.ip().is_loopback()))
        .unwrap_or(false);
    if loopback_only || config.allow_blank_passwords {
        return Ok(());
    }
    let blank = store
        .users_with_blank_password()
        .map_err(|e| e.to_string())?;
    if blank.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {} because these active users have blank passwords: {}.\n\
         Anyone who can reach the server could act as them. Set their passwords first, either\n\
         - offline, on the database: `modelreg-server admin set-password USER` (reads the new password from\n\
           MODELREG_NEW_PASSWORD or stdin; use the same --data-dir/--database-url), or\n\
         - for admin at start: MODELREG_INITIAL_ADMIN_PASSWORD=...,\n\
         and deactivate users you do not need (`modelreg user deactivate USER`).\n\
         To accept the risk anyway, pass --allow-blank-passwords.",
        config.bind,
        blank.join(", ")
    ))
}
