//! Wire-level helpers: a real server on port 0 and a raw HTTP client that
//! sends exactly what the Determined client sends.

#![allow(dead_code)]

use modelreg_server::testing::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub struct Api {
    pub server: TestServer,
    pub http: reqwest::Client,
    pub token: String,
}

impl Api {
    /// A server on a fresh SQLite database, logged in as `determined`.
    pub async fn sqlite() -> Api {
        Api::on(TestServer::start()).await
    }

    /// A server on a fresh PostgreSQL database, or `None` when no test server is configured.
    pub async fn postgres() -> Option<Api> {
        match TestServer::start_postgres() {
            Some(server) => Some(Api::on(server).await),
            None => None,
        }
    }

    /// Logs in to a running server as the built-in `determined` user.
    pub async fn on(server: TestServer) -> Api {
        let http = reqwest::Client::new();
        let mut api = Api {
            server,
            http,
            token: String::new(),
        };
        let (status, body) = api
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"username": "determined", "password": "", "isHashed": true})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        api.token = body["token"].as_str().expect("token").to_string();
        api
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    /// Sends a request with the bearer token and a JSON body without a Content-Type header.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if !self.token.is_empty() {
            req = req.bearer_auth(&self.token);
        }
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body read");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// Sends and insists on 200, returning the body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.send(method.clone(), path, body).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {value}");
        value
    }

    pub async fn create_model(&self, name: &str, extra: Value) -> Value {
        let mut body = json!({"name": name});
        if let Value::Object(map) = extra {
            body.as_object_mut().unwrap().extend(map);
        }
        self.ok(Method::POST, "/api/v1/models", Some(body)).await["model"].clone()
    }

    pub async fn create_checkpoint(&self) -> String {
        let body = self
            .ok(
                Method::POST,
                "/api/v1/checkpoints",
                Some(json!({"resources": {"model.pt": "1024"}})),
            )
            .await;
        body["checkpoint"]["uuid"].as_str().unwrap().to_string()
    }

    pub async fn register(&self, model: &str, uuid: &str) -> Value {
        let path = format!("/api/v1/models/{model}/versions");
        self.ok(Method::POST, &path, Some(json!({"checkpointUuid": uuid})))
            .await["modelVersion"]
            .clone()
    }

    pub async fn names(&self, query: &str) -> Vec<String> {
        let body = self
            .ok(Method::GET, &format!("/api/v1/models?{query}"), None)
            .await;
        body["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Runs each named test body, `async fn(Api)`, once on SQLite and once on
/// PostgreSQL (when `MODELREG_TEST_POSTGRES_URL` is set).
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(crate::common::Api::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(api) = crate::common::Api::postgres().await {
                        super::$name(api).await;
                    }
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on_both_backends;

/// Asserts a Determined-shaped error: status, gRPC code and message.
pub fn assert_error(
    status: StatusCode,
    body: &Value,
    want_status: u16,
    want_code: i64,
    message: &str,
) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    let got = body["error"]["error"].as_str().unwrap_or_default();
    assert!(got.contains(message), "expected {message:?} in {got:?}");
    assert_eq!(body["message"], body["error"]["error"]);
}
