//! Login, tokens and what needs one.

mod common;

use common::{assert_error, Api};
use reqwest::Method;
use serde_json::json;

async fn every_api_route_needs_a_token_but_login_info_and_health_do_not(mut api: Api) {
    let token = std::mem::take(&mut api.token);
    for (method, path) in [
        (Method::GET, "/api/v1/models"),
        (Method::POST, "/api/v1/models"),
        (Method::GET, "/api/v1/models/x/versions"),
        (Method::GET, "/api/v1/checkpoints"),
        (Method::GET, "/api/v1/me"),
        (Method::GET, "/api/v1/model/labels"),
    ] {
        let (status, body) = api
            .send(method.clone(), path, Some(json!({"name": "x"})))
            .await;
        assert_error(status, &body, 401, 16, "authentication required");
    }
    api.token = "not-a-real-token".into();
    let (status, body) = api.get("/api/v1/models").await;
    assert_error(
        status,
        &body,
        401,
        16,
        "the token is invalid, expired or revoked",
    );
    api.token.clear();
    let (_, list) = api.get("/api/v1/models").await;
    assert_eq!(list["error"]["code"], 16);
    assert_eq!(api.get("/info").await.1["version"], "0.38.1");
    assert_eq!(api.get("/health").await.1["status"], "ok");
    api.token = token;
    assert_eq!(
        api.ok(Method::GET, "/api/v1/me", None).await["user"]["username"],
        "determined"
    );
}

async fn login_accepts_hashed_and_plain_blank_passwords_and_refuses_wrong_ones(api: Api) {
    for body in [
        json!({"username": "admin", "password": "", "isHashed": true}),
        json!({"username": "admin", "password": ""}),
        json!({"username": "admin", "password": null, "isHashed": false}),
    ] {
        let resp = api.ok(Method::POST, "/api/v1/auth/login", Some(body)).await;
        assert_eq!(resp["user"]["admin"], true);
        assert!(resp["token"].as_str().unwrap().len() >= 32);
    }
    for body in [
        json!({"username": "admin", "password": "wrong"}),
        json!({"username": "nobody", "password": ""}),
    ] {
        let (status, err) = api.post("/api/v1/auth/login", body).await;
        assert_error(status, &err, 401, 16, "invalid credentials");
    }
}

async fn logout_ends_the_session(mut api: Api) {
    api.ok(Method::POST, "/api/v1/auth/logout", None).await;
    let (status, _) = api.get("/api/v1/me").await;
    assert_eq!(status, 401);
    api.token.clear();
    let (status, _) = api.get("/api/v1/me").await;
    assert_eq!(status, 401);
}

async fn unknown_routes_get_a_json_404(api: Api) {
    let (status, body) = api.get("/api/v1/experiments").await;
    assert_error(
        status,
        &body,
        404,
        5,
        "no route for GET /api/v1/experiments",
    );
}

async fn ids_in_paths_that_are_not_integers_are_named_plainly(api: Api) {
    for (method, path, message) in [
        (
            Method::DELETE,
            "/api/v1/tokens/x1",
            r#"token id must be an integer, got "x1""#,
        ),
        (
            Method::GET,
            "/api/v1/users/x1",
            r#"user id must be an integer, got "x1""#,
        ),
        (
            Method::PATCH,
            "/api/v1/users/99999999999",
            r#"user id must be an integer, got "99999999999""#,
        ),
        (
            Method::GET,
            "/api/v1/models/m/versions/x1",
            r#"version must be a positive integer, got "x1""#,
        ),
    ] {
        let (status, body) = api.send(method, path, Some(json!({}))).await;
        assert_error(status, &body, 400, 3, message);
        let text = body["error"]["error"].as_str().unwrap();
        assert!(!text.contains("Path("), "{path}: {text}");
    }
}

common::on_both_backends!(
    every_api_route_needs_a_token_but_login_info_and_health_do_not,
    ids_in_paths_that_are_not_integers_are_named_plainly,
    login_accepts_hashed_and_plain_blank_passwords_and_refuses_wrong_ones,
    logout_ends_the_session,
    unknown_routes_get_a_json_404
);

mod users {
    use super::common::{assert_error, Api};
    use reqwest::Method;
    use serde_json::{json, Value};

    /// Acts as the built-in `admin` from here on.
    async fn as_admin(mut api: Api) -> Api {
        let body = json!({"username": "admin", "password": "", "isHashed": true});
        let login = api.ok(Method::POST, "/api/v1/auth/login", Some(body)).await;
        api.token = login["token"].as_str().unwrap().to_string();
        api
    }

    async fn create_user(api: &Api, name: &str, role: &str) -> Value {
        let body = json!({"user": {"username": name, "role": role}, "password": "Passw0rd-x"});
        api.ok(Method::POST, "/api/v1/users", Some(body)).await["user"].clone()
    }

    async fn admin_false_demotes_only_an_admin(api: Api) {
        let api = as_admin(api).await;
        for (name, role, after) in [
            ("vera", "viewer", "viewer"),
            ("eddie", "editor", "editor"),
            ("ada", "admin", "editor"),
        ] {
            let id = create_user(&api, name, role).await["id"].clone();
            let patched = api
                .ok(
                    Method::PATCH,
                    &format!("/api/v1/users/{id}"),
                    Some(json!({"admin": false})),
                )
                .await;
            assert_eq!(patched["user"]["role"], after, "{name}: {patched}");
            assert_eq!(patched["user"]["admin"], false, "{name}");
        }
    }

    async fn usernames_of_only_dots_are_refused(api: Api) {
        let api = as_admin(api).await;
        for name in [".", "..", "..."] {
            let body = json!({"user": {"username": name}, "password": "Passw0rd-x"});
            let (status, err) = api.post("/api/v1/users", body).await;
            assert_error(status, &err, 400, 3, "a username cannot be only dots");
        }
        let id = create_user(&api, "dot.ted", "editor").await["id"].clone();
        let (status, err) = api
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{id}"),
                Some(json!({"username": ".."})),
            )
            .await;
        assert_error(status, &err, 400, 3, "a username cannot be only dots");
        let (_, users) = api.get("/api/v1/users").await;
        let names: Vec<&str> = users["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["admin", "determined", "dot.ted"]);
    }

    super::common::on_both_backends!(
        admin_false_demotes_only_an_admin,
        usernames_of_only_dots_are_refused
    );
}
