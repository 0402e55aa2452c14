//! The ceiling: a trivial actix-web server that answers modelreg's benchmarked
//! routes with JSON bodies of the same shape and size, without a database,
//! authentication or validation. What the registry reaches relative to this is
//! what its own work (SQL, auth, mapping) costs on top of HTTP and JSON.
//!
//! Usage: `bench-ceiling --bind 127.0.0.1:PORT [--workers N]`

use actix_web::{get, post, web, App, HttpResponse, HttpServer};
use clap::Parser;
use serde::Serialize;
use serde_json::{json, Map, Value};

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// HTTP worker threads (default: one per core, as the registry).
    #[arg(long)]
    workers: Option<usize>,
}

const TIME: &str = "2026-11-27T08:01:02.123456Z";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Model {
    id: i32,
    name: String,
    description: String,
    metadata: Map<String, Value>,
    labels: Vec<String>,
    notes: String,
    archived: bool,
    num_versions: i32,
    creation_time: &'static str,
    last_updated_time: &'static str,
    user_id: i32,
    username: &'static str,
    workspace_id: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Version {
    id: i32,
    version: i32,
    model: Model,
    checkpoint: Value,
    name: String,
    comment: String,
    notes: String,
    metadata: Map<String, Value>,
    labels: Vec<String>,
    creation_time: &'static str,
    last_updated_time: &'static str,
    user_id: i32,
    username: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    offset: i32,
    limit: i32,
    start_index: i32,
    end_index: i32,
    total: i32,
}

fn model(id: i32, name: &str) -> Model {
    Model {
        id,
        name: name.to_string(),
        description: String::new(),
        metadata: Map::new(),
        labels: Vec::new(),
        notes: String::new(),
        archived: false,
        num_versions: 2,
        creation_time: TIME,
        last_updated_time: TIME,
        user_id: 2,
        username: "determined",
        workspace_id: 1,
    }
}

fn checkpoint() -> Value {
    json!({
        "uuid": "0b9c3f0e-4f6d-4d8e-9a51-8f2f3d7c2a10",
        "taskId": "",
        "reportTime": TIME,
        "resources": {},
        "metadata": {},
        "state": "STATE_COMPLETED",
        "training": {
            "experimentConfig": {},
            "hparams": {},
            "trainingMetrics": {"avgMetrics": {}, "batchMetrics": []},
            "validationMetrics": {"avgMetrics": {}, "batchMetrics": []}
        }
    })
}

fn version(name: &str) -> Version {
    Version {
        id: 7,
        version: 2,
        model: model(42, name),
        checkpoint: checkpoint(),
        name: String::new(),
        comment: String::new(),
        notes: String::new(),
        metadata: Map::new(),
        labels: Vec::new(),
        creation_time: TIME,
        last_updated_time: TIME,
        user_id: 2,
        username: "determined",
    }
}

/// Request bodies are parsed (as the registry must) but otherwise ignored.
fn parse(body: &[u8]) -> Map<String, Value> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

#[post("/api/v1/auth/login")]
async fn login(body: web::Bytes) -> HttpResponse {
    parse(&body);
    HttpResponse::Ok()
        .json(json!({"token": "ceiling", "user": {"id": 2, "username": "determined"}}))
}

#[post("/api/v1/models")]
async fn create_model(body: web::Bytes) -> HttpResponse {
    let req = parse(&body);
    let name = req.get("name").and_then(Value::as_str).unwrap_or("m");
    HttpResponse::Ok().json(json!({"model": model(1, name)}))
}

#[get("/api/v1/models")]
async fn list_models(query: web::Query<Map<String, Value>>) -> HttpResponse {
    let filter = query.get("name").and_then(Value::as_str).unwrap_or("");
    let models: Vec<Model> = (1..=100)
        .map(|i| model(i, &format!("fx-{filter}-{i:04}")))
        .collect();
    HttpResponse::Ok().json(json!({
        "models": models,
        "pagination": Pagination { offset: 0, limit: 100, start_index: 0, end_index: 100, total: 250 }
    }))
}

#[get("/api/v1/models/{name}")]
async fn get_model(name: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"model": model(42, &name)}))
}

#[get("/api/v1/models/{name}/versions")]
async fn list_versions(name: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "model": model(42, &name),
        "modelVersions": [version(&name)],
        "pagination": Pagination { offset: 0, limit: 1, start_index: 0, end_index: 1, total: 2 }
    }))
}

#[post("/api/v1/models/{name}/versions")]
async fn register_version(name: web::Path<String>, body: web::Bytes) -> HttpResponse {
    parse(&body);
    HttpResponse::Ok().json(json!({"modelVersion": version(&name)}))
}

#[post("/api/v1/models/{name}/metadata")]
async fn merge_metadata(name: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let req = parse(&body);
    let mut m = model(42, &name);
    if let Some(Value::Object(add)) = req.get("add") {
        m.metadata = add.clone();
    }
    HttpResponse::Ok().json(json!({"model": m}))
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(|| {
            App::new()
                .service(health)
                .service(login)
                .service(create_model)
                .service(list_models)
                .service(list_versions)
                .service(register_version)
                .service(merge_metadata)
                .service(get_model)
        })
        .bind(&args.bind)?;
        if let Some(workers) = args.workers {
            server = server.workers(workers);
        }
        server.run().await
    })
}
