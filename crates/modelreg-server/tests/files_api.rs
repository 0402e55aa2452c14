//! Checkpoint files over the wire, on the local folder and on S3.

mod common;

use common::{assert_error, Api};
use modelreg_server::artifacts::Artifacts;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::Read;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x9e3779b97f4a7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

async fn active_checkpoint(api: &Api) -> String {
    let body = json!({"state": "STATE_ACTIVE", "metadata": {"framework": "torch"},
                      "training": {"trialId": 3, "experimentId": 2, "experimentConfig": {"name": "mnist"}}});
    let created = api
        .ok(Method::POST, "/api/v1/checkpoints", Some(body))
        .await;
    assert_eq!(created["checkpoint"]["state"], "STATE_ACTIVE");
    assert_eq!(created["checkpoint"]["storage"], "managed");
    created["checkpoint"]["uuid"].as_str().unwrap().to_string()
}

async fn upload(api: &Api, uuid: &str, path: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let resp = api
        .http
        .put(api.url(&format!("/api/v1/checkpoints/{uuid}/files/{path}")))
        .bearer_auth(&api.token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn raw_get(api: &Api, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = api.http.get(api.url(path)).bearer_auth(&api.token);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

async fn upload_round_trip_with_manifest_ranges_and_etag(api: Api) {
    let uuid = active_checkpoint(&api).await;
    let big = random_bytes(3 * 1024 * 1024 + 17);
    let (status, file) = upload(&api, &uuid, "weights/model.pt", &big).await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(
        file["file"],
        json!({"path": "weights/model.pt", "size": big.len().to_string(), "sha256": sha(&big)})
    );
    // Uploading a path again replaces it.
    upload(&api, &uuid, "config.json", b"{\"v\": 1}").await;
    let (status, _) = upload(&api, &uuid, "config.json", b"{\"v\": 2}").await;
    assert_eq!(status, 200);

    let expected =
        json!({"files": {"weights/model.pt": sha(&big), "config.json": sha(b"{\"v\": 2}")}});
    let done = api
        .ok(
            Method::POST,
            &format!("/api/v1/checkpoints/{uuid}/complete"),
            Some(expected),
        )
        .await;
    let checkpoint = &done["checkpoint"];
    assert_eq!(checkpoint["state"], "STATE_COMPLETED");
    assert_eq!(
        checkpoint["resources"],
        json!({"config.json": "8", "weights/model.pt": big.len().to_string()})
    );
    assert_eq!(
        checkpoint["training"]["experimentConfig"]["checkpoint_storage"]["type"],
        "shared_fs"
    );

    let manifest = api
        .ok(
            Method::GET,
            &format!("/api/v1/checkpoints/{uuid}/files"),
            None,
        )
        .await;
    let paths: Vec<_> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["config.json", "weights/model.pt"]);

    let file_url = format!("/api/v1/checkpoints/{uuid}/files/weights/model.pt");
    let whole = raw_get(&api, &file_url, &[]).await;
    assert_eq!(whole.status(), 200);
    let etag = whole.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{}\"", sha(&big)));
    assert_eq!(whole.bytes().await.unwrap().as_ref(), big.as_slice());

    let part = raw_get(&api, &file_url, &[("range", "bytes=100-199")]).await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 100-199/{}", big.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &big[100..200]);
    let tail = raw_get(&api, &file_url, &[("range", "bytes=-5")]).await;
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &big[big.len() - 5..]);
    let bad = raw_get(
        &api,
        &file_url,
        &[("range", &format!("bytes={}-", big.len()))],
    )
    .await;
    assert_eq!(bad.status(), 416);
    let cached = raw_get(&api, &file_url, &[("if-none-match", &etag)]).await;
    assert_eq!(cached.status(), 304);

    // A completed checkpoint never changes.
    let (status, body) = upload(&api, &uuid, "config.json", b"{}").await;
    assert_error(status, &body, 400, 9, "STATE_COMPLETED");
    let (status, body) = upload(&api, &uuid, "extra.bin", b"x").await;
    assert_error(status, &body, 400, 9, "before it is completed");
}

async fn archives_hold_every_file_also_through_determineds_route(api: Api) {
    let uuid = active_checkpoint(&api).await;
    let files = [
        ("model.pt", random_bytes(700_000)),
        ("nested/dir/metadata.json", b"{}".to_vec()),
    ];
    for (path, bytes) in &files {
        assert_eq!(upload(&api, &uuid, path, bytes).await.0, 200);
    }
    // Not downloadable whole until complete.
    let (status, body) = api
        .get(&format!("/api/v1/checkpoints/{uuid}/archive"))
        .await;
    assert_error(status, &body, 400, 9, "only a completed checkpoint");
    api.ok(
        Method::POST,
        &format!("/api/v1/checkpoints/{uuid}/complete"),
        None,
    )
    .await;
    for route in [
        format!("/api/v1/checkpoints/{uuid}/archive"),
        format!("/checkpoints/{uuid}"),
    ] {
        let resp = raw_get(&api, &route, &[("accept", "application/gzip")]).await;
        assert_eq!(resp.status(), 200, "{route}");
        assert_eq!(resp.headers()["content-type"], "application/gzip");
        let gz = resp.bytes().await.unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz.as_ref()));
        let mut found = std::collections::BTreeMap::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            found.insert(path, bytes);
        }
        assert_eq!(found.len(), 2);
        for (path, bytes) in &files {
            assert_eq!(&found[*path], bytes, "{path} in {route}");
        }
    }
    // The Determined route needs a token too.
    let anonymous = api
        .http
        .get(api.url(&format!("/checkpoints/{uuid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn bad_paths_and_wrong_states_are_refused_and_change_nothing(api: Api) {
    let uuid = active_checkpoint(&api).await;
    for path in [
        "%2E%2E/escape",
        "a/%2E%2E/%2E%2E/b",
        "a//b",
        "a%5Cb",
        "a%00b",
        "%2Fabs",
    ] {
        let (status, body) = upload(&api, &uuid, path, b"x").await;
        assert!(status == 400 || status == 404, "{path}: {status} {body}");
        if status == 400 {
            assert!(
                body["error"]["error"]
                    .as_str()
                    .unwrap()
                    .contains("invalid file path"),
                "{path}: {body}"
            );
        }
    }
    let manifest = api
        .ok(
            Method::GET,
            &format!("/api/v1/checkpoints/{uuid}/files"),
            None,
        )
        .await;
    assert_eq!(manifest["files"], json!([]));
    // A completion that does not match what was uploaded is refused.
    upload(&api, &uuid, "a.bin", b"a").await;
    let (status, body) = api
        .post(
            &format!("/api/v1/checkpoints/{uuid}/complete"),
            json!({"files": {"a.bin": sha(b"a"), "b.bin": sha(b"b")}}),
        )
        .await;
    assert_error(status, &body, 400, 9, "missing [\"b.bin\"]");
    let (_, still) = api.get(&format!("/api/v1/checkpoints/{uuid}")).await;
    assert_eq!(still["checkpoint"]["state"], "STATE_ACTIVE");
    // Record-only checkpoints take no uploads; active ones cannot be registered.
    let record = api.create_checkpoint().await;
    let (status, body) = upload(&api, &record, "a.bin", b"a").await;
    assert_error(status, &body, 400, 9, "created STATE_ACTIVE");
    api.create_model("m", json!({})).await;
    let (status, body) = api
        .post("/api/v1/models/m/versions", json!({"checkpointUuid": uuid}))
        .await;
    assert_error(status, &body, 400, 9, "not STATE_COMPLETED");
    let (status, body) = upload(&api, "6a24d772-f1f7-4655-9061-22d582afd96c", "a.bin", b"a").await;
    assert_error(status, &body, 404, 5, "not found");
}

/// Uploads `bytes` as `name` of a completed checkpoint, then rewrites the
/// stored object behind the server's back with byte `flip` changed.
async fn completed_then_corrupted(api: &Api, name: &str, bytes: &[u8], flip: usize) -> String {
    let uuid = active_checkpoint(api).await;
    assert_eq!(upload(api, &uuid, name, bytes).await.0, 200);
    api.ok(
        Method::POST,
        &format!("/api/v1/checkpoints/{uuid}/complete"),
        None,
    )
    .await;
    let (_, stored) = api.server.store().checkpoint_file(&uuid, name).unwrap();
    let artifacts: Artifacts = api.server.config().artifacts().unwrap();
    let mut flipped = bytes.to_vec();
    flipped[flip] ^= 0xff;
    let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(flipped))]);
    artifacts.put(&stored.blob_key, chunks).await.unwrap();
    uuid
}

async fn corrupt_files_are_reported_and_never_served(api: Api) {
    let uuid = completed_then_corrupted(&api, "model.pt", &random_bytes(100_000), 500).await;

    let (status, body) = api
        .get(&format!("/api/v1/checkpoints/{uuid}/files/model.pt"))
        .await;
    assert_error(status, &body, 500, 15, "is corrupt");
    let (status, body) = api
        .get(&format!("/api/v1/checkpoints/{uuid}/archive"))
        .await;
    assert_error(status, &body, 500, 15, "\"model.pt\"");
    let ranged = raw_get(
        &api,
        &format!("/api/v1/checkpoints/{uuid}/files/model.pt"),
        &[("range", "bytes=0-9")],
    )
    .await;
    assert_eq!(
        ranged.status(),
        500,
        "a range of a corrupt file is not served either"
    );
}

async fn a_large_corrupt_file_is_cut_off_rather_than_served(api: Api) {
    let size = 20 * 1024 * 1024;
    let uuid = completed_then_corrupted(&api, "big.bin", &random_bytes(size), size - 1).await;
    for route in [
        format!("/api/v1/checkpoints/{uuid}/files/big.bin"),
        format!("/api/v1/checkpoints/{uuid}/archive"),
    ] {
        let resp = raw_get(&api, &route, &[]).await;
        let received = resp.bytes().await;
        assert!(
            received.is_err(),
            "{route}: the transfer fails instead of delivering corrupt bytes"
        );
    }
}

async fn deleting_removes_files_unless_a_version_references_them(api: Api) {
    let kept = active_checkpoint(&api).await;
    upload(&api, &kept, "a.bin", b"aaaa").await;
    api.ok(
        Method::POST,
        &format!("/api/v1/checkpoints/{kept}/complete"),
        None,
    )
    .await;
    api.create_model("m", json!({})).await;
    api.register("m", &kept).await;
    let (status, body) = api
        .send(Method::DELETE, &format!("/api/v1/checkpoints/{kept}"), None)
        .await;
    assert_error(status, &body, 400, 9, "delete those versions first");
    assert_eq!(
        api.get(&format!("/api/v1/checkpoints/{kept}/files/a.bin"))
            .await
            .0,
        200
    );

    let gone = active_checkpoint(&api).await;
    upload(&api, &gone, "b.bin", b"bbbb").await;
    api.ok(
        Method::POST,
        &format!("/api/v1/checkpoints/{gone}/complete"),
        None,
    )
    .await;
    let (_, stored) = api.server.store().checkpoint_file(&gone, "b.bin").unwrap();
    api.ok(Method::DELETE, &format!("/api/v1/checkpoints/{gone}"), None)
        .await;
    assert_eq!(api.get(&format!("/api/v1/checkpoints/{gone}")).await.0, 404);
    let artifacts = api.server.config().artifacts().unwrap();
    let err = artifacts
        .get(&stored.blob_key, None)
        .await
        .err()
        .expect("the object is gone");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

async fn external_checkpoints_keep_their_files_where_they_are(api: Api) {
    let body = json!({"externalUri": "s3://team-bucket/runs/7/", "resources": {"model.pt": "123"}, "metadata": {"format": "pt"}});
    let created = api
        .ok(Method::POST, "/api/v1/checkpoints", Some(body))
        .await["checkpoint"]
        .clone();
    assert_eq!(created["storage"], "external");
    assert_eq!(created["externalUri"], "s3://team-bucket/runs/7/");
    assert_eq!(created["resources"], json!({"model.pt": "123"}));
    assert_eq!(created["state"], "STATE_COMPLETED");
    let uuid = created["uuid"].as_str().unwrap();
    api.create_model("m", json!({})).await;
    assert_eq!(
        api.register("m", uuid).await["checkpoint"]["storage"],
        "external"
    );
    let (status, body) = api
        .get(&format!("/api/v1/checkpoints/{uuid}/archive"))
        .await;
    assert_error(
        status,
        &body,
        400,
        9,
        "its files stay at s3://team-bucket/runs/7/",
    );
    let (status, body) = api
        .post("/api/v1/checkpoints", json!({"externalUri": "ftp://x/y"}))
        .await;
    assert_error(status, &body, 400, 3, "must be a URI");
    let (status, body) = api
        .post(
            "/api/v1/checkpoints",
            json!({"externalUri": "s3://b/k", "state": "STATE_ACTIVE"}),
        )
        .await;
    assert_error(status, &body, 400, 3, "must be STATE_COMPLETED");
}

async fn a_client_cut_off_mid_upload_leaves_no_file(api: Api) {
    let uuid = active_checkpoint(&api).await;
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
        Ok(bytes::Bytes::from(random_bytes(256 * 1024))),
        Err(std::io::Error::other("the client died")),
    ];
    let result = api
        .http
        .put(api.url(&format!("/api/v1/checkpoints/{uuid}/files/partial.bin")))
        .bearer_auth(&api.token)
        .header("content-length", (10 * 1024 * 1024).to_string())
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await;
    assert!(result.is_err() || !result.unwrap().status().is_success());
    // The server notices the cut, drops what it received and records nothing.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let manifest = api
        .ok(
            Method::GET,
            &format!("/api/v1/checkpoints/{uuid}/files"),
            None,
        )
        .await;
    assert_eq!(manifest["files"], json!([]));
    let done = api
        .ok(
            Method::POST,
            &format!("/api/v1/checkpoints/{uuid}/complete"),
            None,
        )
        .await;
    assert_eq!(
        done["checkpoint"]["resources"],
        json!({}),
        "completing lists no partial file"
    );
}

async fn invalid_ranges_are_ignored_and_unsatisfiable_ones_are_416(api: Api) {
    let uuid = active_checkpoint(&api).await;
    let bytes = random_bytes(1000);
    upload(&api, &uuid, "model.pt", &bytes).await;
    api.ok(
        Method::POST,
        &format!("/api/v1/checkpoints/{uuid}/complete"),
        None,
    )
    .await;
    let url = format!("/api/v1/checkpoints/{uuid}/files/model.pt");
    // RFC 9110 §14.2: a Range that is not valid (or not in bytes) is ignored.
    for header in [
        "bytes=abc",
        "bytes=5-2",
        "bytes=",
        "bytes=-",
        "items=0-9",
        "0-9",
    ] {
        let resp = raw_get(&api, &url, &[("range", header)]).await;
        assert_eq!(resp.status(), 200, "{header:?}");
        assert!(resp.headers().get("content-range").is_none(), "{header:?}");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }
    // Valid, but nothing of the file: 416 with the size.
    for header in ["bytes=1000-", "bytes=5000-6000", "bytes=-0"] {
        let resp = raw_get(&api, &url, &[("range", header)]).await;
        assert_eq!(resp.status(), 416, "{header:?}");
        assert_eq!(
            resp.headers()["content-range"],
            "bytes */1000",
            "{header:?}"
        );
        let body: Value = resp.json().await.unwrap();
        assert_error(
            StatusCode::RANGE_NOT_SATISFIABLE,
            &body,
            416,
            11,
            "of a 1000-byte file",
        );
    }
    let part = raw_get(&api, &url, &[("range", "bytes=990-2000")]).await;
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 990-999/1000");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[990..]);
}

macro_rules! on_both_artifact_stores {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let server = modelreg_server::testing::TestServer::start();
                    super::$name(crate::common::Api::on(server).await).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(server) = modelreg_server::testing::TestServer::start_s3() {
                        super::$name(crate::common::Api::on(server).await).await;
                    }
                }
            )*
        }
    };
}

on_both_artifact_stores!(
    upload_round_trip_with_manifest_ranges_and_etag,
    invalid_ranges_are_ignored_and_unsatisfiable_ones_are_416,
    archives_hold_every_file_also_through_determineds_route,
    bad_paths_and_wrong_states_are_refused_and_change_nothing,
    corrupt_files_are_reported_and_never_served,
    a_large_corrupt_file_is_cut_off_rather_than_served,
    deleting_removes_files_unless_a_version_references_them,
    external_checkpoints_keep_their_files_where_they_are,
    a_client_cut_off_mid_upload_leaves_no_file,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abandoned_uploads_are_cleaned_up_with_their_files() {
    let server =
        modelreg_server::testing::TestServer::start_local_with(|c| c.abandoned_upload_secs = 1);
    let data_dir = server.config().data_dir.clone();
    let api = Api::on(server).await;
    let uuid = active_checkpoint(&api).await;
    upload(&api, &uuid, "a.bin", b"abandoned").await;
    let finished = active_checkpoint(&api).await;
    upload(&api, &finished, "b.bin", b"kept").await;
    api.ok(
        Method::POST,
        &format!("/api/v1/checkpoints/{finished}/complete"),
        None,
    )
    .await;
    let folder = data_dir.join("artifacts/checkpoints").join(&uuid);
    assert!(folder.exists());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while api.get(&format!("/api/v1/checkpoints/{uuid}")).await.0 != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned upload was not cleaned up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(!folder.exists(), "no orphan files stay behind");
    assert_eq!(
        api.get(&format!("/api/v1/checkpoints/{finished}/files/b.bin"))
            .await
            .0,
        200,
        "completed ones stay"
    );
}
