//! Every route in the OpenAPI document x every kind of caller, with the
//! status each must get. A route the document gains without a sample here
//! fails the test.

mod common;

use common::Api;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A caller: a name and the bearer token it sends (none for `anonymous`).
struct Caller {
    name: &'static str,
    token: Option<String>,
    /// The role it acts with, for callers that are authenticated.
    role: Option<&'static str>,
}

async fn token_of(api: &Api, user: &str, password: &str) -> String {
    let body = api
        .ok(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": user, "password": password})),
        )
        .await;
    body["token"].as_str().unwrap().to_string()
}

async fn api_token(api: &Api, session: &str) -> (i64, String) {
    let resp = api
        .http
        .post(api.url("/api/v1/tokens"))
        .bearer_auth(session)
        .body(json!({"name": "matrix"}).to_string())
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    (
        body["info"]["id"].as_i64().unwrap(),
        body["token"].as_str().unwrap().to_string(),
    )
}

async fn create_user(api: &Api, name: &str, role: &str) -> i64 {
    let body = json!({"user": {"username": name, "role": role}, "password": "Passw0rd-x", "isHashed": false});
    api.ok(Method::POST, "/api/v1/users", Some(body)).await["user"]["id"]
        .as_i64()
        .unwrap()
}

async fn as_caller(
    api: &Api,
    token: &Option<String>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut req = api.http.request(method, api.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    req.send().await.unwrap().status()
}

fn role_rank(role: &str) -> u8 {
    match role {
        "viewer" => 0,
        "editor" | "owner" => 1,
        _ => 2,
    }
}

/// The least role a route needs, as the security model states it.
fn needed_role(method: &Method, path: &str) -> &'static str {
    if *method == Method::GET || path == "/api/v1/auth/logout" || path.starts_with("/api/v1/tokens")
    {
        "viewer"
    } else if let Some(rest) = path.strip_prefix("/api/v1/users") {
        let one_user = rest.starts_with('/') && !rest[1..].contains('/');
        if (*method == Method::PATCH && one_user) || rest.ends_with("/password") {
            "viewer"
        } else {
            "admin"
        }
    } else {
        "editor"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_answers_every_caller_as_the_security_model_says() {
    let mut api = Api::sqlite().await;
    api.token = token_of(&api, "admin", "").await;
    let admin_session = api.token.clone();

    for (name, role) in [
        ("viewer", "viewer"),
        ("editor", "editor"),
        ("owner", "editor"),
        ("gone", "editor"),
        ("revokee", "editor"),
    ] {
        create_user(&api, name, role).await;
    }
    let target_user = create_user(&api, "target", "viewer").await;
    let mut sessions = BTreeMap::new();
    for name in ["viewer", "editor", "owner", "gone", "revokee"] {
        sessions.insert(name, token_of(&api, name, "Passw0rd-x").await);
    }
    // API tokens for the role callers, so that logout does not end them mid-test.
    let mut tokens = BTreeMap::new();
    for name in ["viewer", "editor", "owner"] {
        tokens.insert(name, api_token(&api, &sessions[name]).await.1);
    }
    let (_, admin_token) = api_token(&api, &admin_session).await;
    let (revoked_id, revoked) = api_token(&api, &sessions["revokee"]).await;
    api.ok(
        Method::DELETE,
        &format!("/api/v1/tokens/{revoked_id}"),
        None,
    )
    .await;
    let (gone_id, gone) = api_token(&api, &sessions["gone"]).await;
    let gone_user = api
        .ok(Method::GET, "/api/v1/users/gone/by-username", None)
        .await["user"]["id"]
        .clone();
    api.ok(
        Method::PATCH,
        &format!("/api/v1/users/{gone_user}"),
        Some(json!({"active": false})),
    )
    .await;

    // The owner's model, with a version on a completed, uploaded checkpoint.
    api.token = tokens["owner"].clone();
    let owner = &api;
    owner.create_model("owned", json!({})).await;
    let ckpt = owner
        .ok(
            Method::POST,
            "/api/v1/checkpoints",
            Some(json!({"state": "STATE_ACTIVE"})),
        )
        .await;
    let uuid = ckpt["checkpoint"]["uuid"].as_str().unwrap().to_string();
    let put = owner
        .http
        .put(owner.url(&format!("/api/v1/checkpoints/{uuid}/files/a.bin")))
        .bearer_auth(&owner.token);
    assert_eq!(put.body("abc").send().await.unwrap().status(), 200);
    owner
        .ok(
            Method::POST,
            &format!("/api/v1/checkpoints/{uuid}/complete"),
            None,
        )
        .await;
    owner.register("owned", &uuid).await;
    let uploading = owner
        .ok(
            Method::POST,
            "/api/v1/checkpoints",
            Some(json!({"state": "STATE_ACTIVE"})),
        )
        .await;
    let uploading = uploading["checkpoint"]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    api.token = admin_session.clone();

    let callers = vec![
        Caller {
            name: "anonymous",
            token: None,
            role: None,
        },
        Caller {
            name: "bad token",
            token: Some("not-a-token".into()),
            role: None,
        },
        Caller {
            name: "revoked token",
            token: Some(revoked),
            role: None,
        },
        Caller {
            name: "deactivated user",
            token: Some(gone),
            role: None,
        },
        Caller {
            name: "viewer",
            token: Some(tokens["viewer"].clone()),
            role: Some("viewer"),
        },
        Caller {
            name: "editor",
            token: Some(tokens["editor"].clone()),
            role: Some("editor"),
        },
        Caller {
            name: "owner",
            token: Some(tokens["owner"].clone()),
            role: Some("owner"),
        },
        Caller {
            name: "admin",
            token: Some(admin_token),
            role: Some("admin"),
        },
    ];
    let _ = gone_id;

    let spec = serde_json::to_value(modelreg_server::openapi_document()).unwrap();
    let open_routes = [
        "/api/v1/auth/login",
        "/api/v1/openapi.json",
        "/info",
        "/health",
        "/ready",
    ];
    let mut checked = 0;
    let mut n = 0;
    // Deletes go last, deepest path first, so that they do not remove what other routes need.
    let mut routes: Vec<(String, Method)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(t, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (t.clone(), m.to_uppercase().parse().unwrap()))
        })
        .collect();
    routes.sort_by_key(|(t, m)| (*m == Method::DELETE, std::cmp::Reverse(t.len())));
    for (template, method) in routes {
        let template = &template;
        {
            // The upload route writes to the checkpoint that is still uploading.
            let checkpoint = if template.contains("/files/") && method == Method::PUT
                || template.ends_with("/complete")
            {
                &uploading
            } else {
                &uuid
            };
            let mut path = template.clone();
            for (param, value) in [
                ("{modelName}", "owned".to_string()),
                ("{modelVersionNum}", "1".to_string()),
                ("{checkpointUuid}", checkpoint.clone()),
                ("{path}", "a.bin".to_string()),
                ("{userId}", target_user.to_string()),
                ("{username}", "viewer".to_string()),
                ("{tokenId}", "999999".to_string()),
            ] {
                path = path.replace(param, &value);
            }
            assert!(
                !path.contains('{'),
                "no sample value for a parameter of {method} {template}; add one to this test"
            );
            for caller in &callers {
                n += 1;
                let body = match (method.clone(), template.as_str()) {
                    (Method::POST, "/api/v1/models") => {
                        Some(json!({"name": format!("matrix-{n}")}))
                    }
                    (Method::POST, "/api/v1/users") => {
                        Some(json!({"user": {"username": format!("matrix-{n}")}}))
                    }
                    (Method::POST, "/api/v1/auth/login") => {
                        Some(json!({"username": "viewer", "password": "Passw0rd-x"}))
                    }
                    (Method::POST, "/api/v1/tokens") => Some(json!({"name": "m"})),
                    (Method::POST, p) if p.ends_with("/password") => {
                        Some(json!({"password": "Passw0rd-y"}))
                    }
                    (Method::GET, _) | (Method::DELETE, _) => None,
                    _ => Some(json!({})),
                };
                let status = as_caller(&api, &caller.token, method.clone(), &path, body).await;
                let what = format!("{method} {template} as {}: got {status}", caller.name);
                assert!(!status.is_server_error(), "{what}");
                if open_routes.contains(&template.as_str()) {
                    assert!(status != 401 && status != 403, "{what}; the route is open");
                    continue;
                }
                let Some(role) = caller.role else {
                    assert_eq!(status, 401, "{what}");
                    continue;
                };
                let needed = needed_role(&method, template);
                if role_rank(role) < role_rank(needed) {
                    assert_eq!(status, 403, "{what}; needs {needed}");
                    continue;
                }
                let owner_only =
                    method == Method::DELETE && template.starts_with("/api/v1/models/{modelName}");
                let own_account_only =
                    template.starts_with("/api/v1/users/{userId}") && method != Method::GET;
                if (owner_only && role == "editor") || (own_account_only && role != "admin") {
                    assert_eq!(status, 403, "{what}; only the owner or an admin");
                } else {
                    assert!(
                        status != 401 && status != 403,
                        "{what}; the caller is allowed"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "the matrix covered {checked} allowed calls");
}
