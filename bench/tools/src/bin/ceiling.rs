//! The ceiling: a trivial actix-web server that answers modelreg's benchmarked
//! routes with JSON bodies of the same shape and size, without a database,
//! authentication or validation. What the registry reaches relative to this is
//! what its own work (SQL, auth, mapping) costs on top of HTTP and JSON.
//!
//! Usage: `bench-ceiling --bind 127.0.0.1:PORT [--workers N]
//! [--serial-write-us W [--serial-commit-us C]] [--list-body-cached]`
//!
//! With `--serial-write-us`, every write also passes one serial stage shaped
//! like modelreg's SQLite writer: one thread takes the queued writes one after
//! another (up to 32), does W microseconds of fixed CPU work on each, sleeps
//! C microseconds (the commit's flush), then answers them all. It shows what
//! a single writer of a given cost does to throughput and latency on this
//! machine, with no database in the way. With `--list-body-cached`, every
//! list is answered with one page built at start: what sending a page costs
//! without building it (docs/benchmarks.md, ninth round). Every page is built
//! through `serde_json::Value`, as in every run so far: for the list, that is
//! work of the ceiling's own, beyond what serialising the page takes.

use actix_web::{get, post, web, App, HttpResponse, HttpServer};
use clap::Parser;
use modelreg_bench::{calibrate, fixed_work};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// HTTP worker threads (default: one per core, as the registry).
    #[arg(long)]
    workers: Option<usize>,
    /// Run each write through a serial stage: CPU microseconds per write.
    #[arg(long)]
    serial_write_us: Option<u64>,
    /// The serial stage's sleep per batch of writes (the commit's flush).
    #[arg(long, default_value_t = 300, requires = "serial_write_us")]
    serial_commit_us: u64,
    /// Answer every list with one body built at start: what sending a page
    /// of 100 models costs without building it.
    #[arg(long)]
    list_body_cached: bool,
}

/// What the handlers were asked for at start (see [`Args`]).
struct Options {
    /// The emulated single writer, if one was asked for.
    serial: Option<Arc<SerialStage>>,
    /// The list's body, if it was built once at start.
    list_body: Option<web::Bytes>,
}

impl Options {
    /// Waits for the serial stage to take and answer this write, if there is one.
    async fn pass_serial_stage(&self) {
        if let Some(stage) = &self.serial {
            let (done, wait) = oneshot::channel();
            stage.queue.lock().unwrap().push_back(done);
            stage.wake.notify_one();
            let _ = wait.await;
        }
    }
}

struct SerialStage {
    queue: Mutex<VecDeque<oneshot::Sender<()>>>,
    wake: Condvar,
}

/// The most writes the stage takes into one batch, as modelreg's writer.
const MAX_BATCH: usize = 32;

impl SerialStage {
    /// Starts the stage's thread (`serial-stage`).
    fn start(per_write: Duration, per_batch: Duration) -> std::io::Result<Arc<SerialStage>> {
        let rounds = calibrate(per_write, 201);
        eprintln!(
            "serial stage: {rounds} rounds of work per write ({} us at the median on this machine, idle), {} us of sleep per batch",
            per_write.as_micros(),
            per_batch.as_micros()
        );
        let stage = Arc::new(SerialStage {
            queue: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
        });
        let shared = stage.clone();
        std::thread::Builder::new()
            .name("serial-stage".into())
            .spawn(move || shared.run(rounds, per_batch))?;
        Ok(stage)
    }

    fn run(&self, rounds: u64, per_batch: Duration) {
        loop {
            let mut queue = self.queue.lock().unwrap();
            while queue.is_empty() {
                queue = self.wake.wait(queue).unwrap();
            }
            // Take the queued writes one by one, as later ones keep arriving.
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while batch.len() < MAX_BATCH {
                let Some(write) = queue.pop_front() else {
                    break;
                };
                drop(queue);
                fixed_work(rounds);
                batch.push(write);
                queue = self.queue.lock().unwrap();
            }
            drop(queue);
            // Sleeps at least this long (plus the kernel's timer slack, ~50 us).
            std::thread::sleep(per_batch);
            for write in batch {
                let _ = write.send(());
            }
        }
    }
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
async fn create_model(options: web::Data<Options>, body: web::Bytes) -> HttpResponse {
    let req = parse(&body);
    options.pass_serial_stage().await;
    let name = req.get("name").and_then(Value::as_str).unwrap_or("m");
    HttpResponse::Ok().json(json!({"model": model(1, name)}))
}

#[get("/api/v1/models")]
async fn list_models(
    options: web::Data<Options>,
    query: web::Query<Map<String, Value>>,
) -> HttpResponse {
    if let Some(body) = &options.list_body {
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(body.clone());
    }
    let filter = query.get("name").and_then(Value::as_str).unwrap_or("");
    HttpResponse::Ok().json(list_page(filter))
}

/// A first page of 100 models whose names hold `filter`.
fn list_page(filter: &str) -> Value {
    let models: Vec<Model> = (1..=100)
        .map(|i| model(i, &format!("fx-{filter}-{i:04}")))
        .collect();
    json!({
        "models": models,
        "pagination": Pagination { offset: 0, limit: 100, start_index: 0, end_index: 100, total: 250 }
    })
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
async fn register_version(
    options: web::Data<Options>,
    name: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    parse(&body);
    options.pass_serial_stage().await;
    HttpResponse::Ok().json(json!({"modelVersion": version(&name)}))
}

#[post("/api/v1/models/{name}/metadata")]
async fn merge_metadata(
    options: web::Data<Options>,
    name: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let req = parse(&body);
    options.pass_serial_stage().await;
    let mut m = model(42, &name);
    if let Some(Value::Object(add)) = req.get("add") {
        m.metadata = add.clone();
    }
    HttpResponse::Ok().json(json!({"model": m}))
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let serial = match args.serial_write_us {
        Some(us) => Some(SerialStage::start(
            Duration::from_micros(us),
            Duration::from_micros(args.serial_commit_us),
        )?),
        None => None,
    };
    let list_body = args.list_body_cached.then(|| {
        let body = serde_json::to_vec(&list_page("bert")).expect("the list page serialises");
        web::Bytes::from(body)
    });
    let options = web::Data::new(Options { serial, list_body });
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(options.clone())
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
