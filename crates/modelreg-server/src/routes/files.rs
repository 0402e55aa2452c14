//! Checkpoint files: upload, complete, manifest, download, delete (modelreg extensions).

use super::{owned, StoreData};
use crate::artifacts::{Artifacts, ByteStream};
use crate::body::JsonBody;
use crate::errors::{blocking, ServerError, ServerResult};
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{Data, Json, Path, Payload};
use actix_web::{delete, get, post, put, HttpRequest, HttpResponse};
use futures::StreamExt;
use modelreg_types::{
    ApiError, CheckpointFile, CheckpointFileResponse, CheckpointFilesResponse, CheckpointResponse,
    CompleteCheckpointRequest, Empty,
};
use std::ops::Range;

/// The largest upload accepted (0: no limit); set as app data.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub u64);

/// Upload one file of a checkpoint created `STATE_ACTIVE`, as the raw request
/// body, streamed to the artifact store. Uploading a path again replaces it.
#[utoipa::path(
    tag = "checkpoint files",
    params(
        ("checkpointUuid" = String, Path, description = "The checkpoint's uuid"),
        ("path" = String, Path, description = "Relative path inside the checkpoint, `/`-separated"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = CheckpointFileResponse), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError))
)]
#[put("/checkpoints/{checkpointUuid}/files/{path:.*}")]
pub async fn upload_file(
    store: StoreData,
    artifacts: Data<Artifacts>,
    limit: Data<UploadLimit>,
    req: HttpRequest,
    path: Path<(String, String)>,
    payload: Payload,
) -> ServerResult<Json<CheckpointFileResponse>> {
    let (uuid, file_path) = path.into_inner();
    let limit = limit.0;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if limit > 0 && declared.is_some_and(|len| len > limit) {
        return Err(too_large(limit));
    }
    let key = {
        let (store, uuid, file_path) = (owned(&store), uuid.clone(), file_path.clone());
        blocking(move || store.begin_upload(&uuid, &file_path)).await?
    };
    let mut received = 0u64;
    let body = payload.map(move |chunk| {
        let chunk = chunk.map_err(|e| e.to_string())?;
        received += chunk.len() as u64;
        if limit > 0 && received > limit {
            return Err(format!(
                "the file is larger than the upload limit of {limit} bytes"
            ));
        }
        Ok(chunk)
    });
    let written = artifacts
        .put(&key, Box::pin(body))
        .await
        .map_err(ServerError::artifacts)?;
    if limit > 0 && written.size > limit {
        let _ = artifacts.delete(&key).await;
        return Err(too_large(limit));
    }
    let file = CheckpointFile {
        path: file_path,
        size: written.size as i64,
        sha256: written.sha256,
    };
    let recorded = {
        let (store, uuid, file, key) = (owned(&store), uuid.clone(), file.clone(), key.clone());
        blocking(move || store.record_upload(&uuid, &file, &key)).await
    };
    match recorded {
        Ok(replaced) => {
            if let Some(old) = replaced {
                let _ = artifacts.delete(&old).await;
            }
            Ok(Json(CheckpointFileResponse { file }))
        }
        Err(err) => {
            let _ = artifacts.delete(&key).await;
            Err(err)
        }
    }
}

fn too_large(limit: u64) -> ServerError {
    ServerError::TooLarge(format!(
        "the file is larger than the upload limit of {limit} bytes"
    ))
}

/// Complete an upload: the checkpoint becomes `STATE_COMPLETED` with the files
/// uploaded so far, and never changes again.
#[utoipa::path(
    tag = "checkpoint files",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    request_body = CompleteCheckpointRequest,
    responses((status = 200, body = CheckpointResponse), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/checkpoints/{checkpointUuid}/complete")]
pub async fn complete_checkpoint(
    store: StoreData,
    uuid: Path<String>,
    body: JsonBody<CompleteCheckpointRequest>,
) -> ServerResult<Json<CheckpointResponse>> {
    let store = owned(&store);
    let checkpoint =
        blocking(move || store.complete_checkpoint(&uuid, body.0.files.as_ref())).await?;
    Ok(Json(CheckpointResponse { checkpoint }))
}

/// The manifest of a checkpoint: every uploaded file with its size and SHA-256.
#[utoipa::path(
    tag = "checkpoint files",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    responses((status = 200, body = CheckpointFilesResponse), (status = 404, body = ApiError))
)]
#[get("/checkpoints/{checkpointUuid}/files")]
pub async fn list_files(
    store: StoreData,
    uuid: Path<String>,
) -> ServerResult<Json<CheckpointFilesResponse>> {
    let store = owned(&store);
    let (_, files) = blocking(move || store.checkpoint_files(&uuid)).await?;
    Ok(Json(CheckpointFilesResponse {
        files: files.into_iter().map(|f| f.file).collect(),
    }))
}

/// Download one file. Supports `Range: bytes=a-b` and `If-None-Match`; the
/// ETag is the file's SHA-256. The bytes are checked against it first: a
/// corrupt file is refused with 500 DataLoss, never served.
#[utoipa::path(
    tag = "checkpoint files",
    params(
        ("checkpointUuid" = String, Path, description = "The checkpoint's uuid"),
        ("path" = String, Path, description = "Relative path inside the checkpoint"),
    ),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range"),
        (status = 304, description = "Not modified"),
        (status = 404, body = ApiError),
        (status = 416, body = ApiError),
        (status = 500, body = ApiError, description = "The stored bytes no longer match their SHA-256")
    )
)]
#[get("/checkpoints/{checkpointUuid}/files/{path:.*}")]
pub async fn download_file(
    store: StoreData,
    artifacts: Data<Artifacts>,
    req: HttpRequest,
    path: Path<(String, String)>,
) -> ServerResult<HttpResponse> {
    let (uuid, file_path) = path.into_inner();
    let (_, stored) = {
        let (store, uuid, file_path) = (owned(&store), uuid.clone(), file_path.clone());
        blocking(move || store.checkpoint_file(&uuid, &file_path)).await?
    };
    let etag = format!("\"{}\"", stored.file.sha256);
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let size = stored.file.size as u64;
    let range = match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(spec) => Some(parse_range(spec, size)?),
        None => None,
    };
    // Small files and ranges are checked whole before the first byte goes
    // out. A large whole file is checked as it streams: reading it twice would
    // halve the throughput, and a mismatch ends the response with an error
    // instead of its last bytes, so it is never received as good.
    let check_while_streaming = range.is_none() && size > CHECK_FIRST_MAX_BYTES;
    if !check_while_streaming {
        verify(&artifacts, &uuid, &stored).await?;
    }
    let body = artifacts
        .get(&stored.blob_key, range.clone())
        .await
        .map_err(ServerError::artifacts)?;
    let body = if check_while_streaming {
        verifying(body, uuid.clone(), stored.clone())
    } else {
        body
    };
    let mut response = match &range {
        Some(r) => {
            let mut resp = HttpResponse::PartialContent();
            resp.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end - 1),
            ));
            resp
        }
        None => HttpResponse::Ok(),
    };
    let length = range.map_or(size, |r| r.end - r.start);
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .no_chunking(length);
    Ok(response.streaming(body))
}

/// Files up to this size are checked before they are served.
pub const CHECK_FIRST_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Passes a file's bytes through, hashing them; if they do not match the
/// recorded size and SHA-256, the stream ends with an error instead of its
/// last chunk, so the client sees a failed transfer.
fn verifying(body: ByteStream, uuid: String, stored: modelreg_store::StoredFile) -> ByteStream {
    use sha2::{Digest, Sha256};
    let state = (body, Sha256::new(), 0u64, Some(stored), uuid);
    futures::stream::unfold(
        state,
        |(mut body, mut hasher, mut seen, stored, uuid)| async move {
            let stored = stored?;
            match body.next().await {
                Some(Ok(chunk)) => {
                    hasher.update(&chunk);
                    seen += chunk.len() as u64;
                    let last = seen >= stored.file.size as u64;
                    if last
                        && (seen != stored.file.size as u64
                            || hex::encode(hasher.clone().finalize()) != stored.file.sha256)
                    {
                        let err = corrupt(
                            &uuid,
                            &stored.file.path,
                            "its bytes no longer match the recorded SHA-256",
                        );
                        tracing::error!(error = %err, "refused to finish serving a corrupt file");
                        return Some((
                            Err(std::io::Error::other(err.to_string())),
                            (body, hasher, seen, None, uuid),
                        ));
                    }
                    Some((Ok(chunk), (body, hasher, seen, Some(stored), uuid)))
                }
                Some(Err(e)) => Some((Err(e), (body, hasher, seen, None, uuid))),
                None if seen != stored.file.size as u64 => {
                    let err = corrupt(
                        &uuid,
                        &stored.file.path,
                        "its stored bytes are shorter than recorded",
                    );
                    tracing::error!(error = %err, "refused to finish serving a corrupt file");
                    Some((
                        Err(std::io::Error::other(err.to_string())),
                        (body, hasher, seen, None, uuid),
                    ))
                }
                None => None,
            }
        },
    )
    .boxed()
}

/// Checks a stored file against its recorded size and SHA-256.
pub async fn verify(
    artifacts: &Artifacts,
    uuid: &str,
    stored: &modelreg_store::StoredFile,
) -> ServerResult<()> {
    let got = artifacts
        .digest(&stored.blob_key)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => corrupt(
                uuid,
                &stored.file.path,
                "its bytes are missing from the artifact store",
            ),
            _ => ServerError::artifacts(e),
        })?;
    if got.sha256 != stored.file.sha256 || got.size != stored.file.size as u64 {
        return Err(corrupt(
            uuid,
            &stored.file.path,
            &format!(
                "recorded {} bytes with SHA-256 {}, read {} bytes with SHA-256 {}",
                stored.file.size, stored.file.sha256, got.size, got.sha256
            ),
        ));
    }
    Ok(())
}

fn corrupt(uuid: &str, path: &str, detail: &str) -> ServerError {
    ServerError::Corrupt(format!(
        "file {path:?} of checkpoint {uuid} is corrupt: {detail}"
    ))
}

/// Parses a single `bytes=` range against a size.
fn parse_range(spec: &str, size: u64) -> ServerResult<Range<u64>> {
    let bad =
        || ServerError::BadRange(format!("cannot serve range {spec:?} of a {size}-byte file"));
    let spec = spec.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    if spec.contains(',') {
        return Err(ServerError::BadRange(
            "only one byte range per request is served".into(),
        ));
    }
    let (start, end) = spec.split_once('-').ok_or_else(bad)?;
    let range = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| bad())?;
            size.saturating_sub(n)..size
        }
        (start, "") => start.parse::<u64>().map_err(|_| bad())?..size,
        (start, end) => {
            let (s, e): (u64, u64) = (
                start.parse().map_err(|_| bad())?,
                end.parse().map_err(|_| bad())?,
            );
            s..e.saturating_add(1).min(size)
        }
    };
    if range.start >= range.end || range.start >= size {
        return Err(bad());
    }
    Ok(range)
}

/// Delete a checkpoint that no model version references, with its files.
#[utoipa::path(
    tag = "checkpoints",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    responses((status = 200, body = Empty), (status = 400, body = ApiError), (status = 404, body = ApiError))
)]
#[delete("/checkpoints/{checkpointUuid}")]
pub async fn delete_checkpoint(
    store: StoreData,
    artifacts: Data<Artifacts>,
    uuid: Path<String>,
) -> ServerResult<Json<Empty>> {
    let uuid = uuid.into_inner();
    {
        let (store, uuid) = (owned(&store), uuid.clone());
        blocking(move || store.begin_delete_checkpoint(&uuid)).await?;
    }
    // The row stays STATE_DELETED until the files are gone; the cleanup task retries failures.
    artifacts
        .delete_prefix(&modelreg_store::blob_prefix(&uuid))
        .await
        .map_err(ServerError::artifacts)?;
    let store = owned(&store);
    blocking(move || store.forget_checkpoint(&uuid)).await?;
    Ok(Json(Empty {}))
}

/// Deletes the files and rows of abandoned uploads and unfinished deletions, forever.
pub async fn clean_up_abandoned(
    store: modelreg_store::Store,
    artifacts: Data<Artifacts>,
    max_age: std::time::Duration,
) {
    let interval = (max_age / 4).clamp(
        std::time::Duration::from_millis(200),
        std::time::Duration::from_secs(300),
    );
    loop {
        actix_web::rt::time::sleep(interval).await;
        let cutoff = chrono::Utc::now().timestamp_micros() - max_age.as_micros() as i64;
        let found = {
            let store = store.clone();
            blocking(move || store.abandoned_checkpoints(cutoff)).await
        };
        let uuids = match found {
            Ok(uuids) => uuids,
            Err(err) => {
                tracing::warn!(error = %err, "cannot look for abandoned uploads");
                continue;
            }
        };
        for uuid in uuids {
            if let Err(err) = artifacts
                .delete_prefix(&modelreg_store::blob_prefix(&uuid))
                .await
            {
                tracing::warn!(%uuid, error = %err, "cannot delete the files of an abandoned checkpoint");
                continue;
            }
            let store = store.clone();
            let id = uuid.clone();
            match blocking(move || store.forget_checkpoint(&id)).await {
                Ok(()) => {
                    tracing::info!(%uuid, "deleted an abandoned or deleted checkpoint and its files")
                }
                Err(err) => {
                    tracing::warn!(%uuid, error = %err, "cannot forget an abandoned checkpoint")
                }
            }
        }
    }
}

/// `Content-Disposition` for an archive download.
pub fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_are_read_like_http_says() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), 0..10);
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), 90..100);
        assert_eq!(parse_range("bytes=-10", 100).unwrap(), 90..100);
        assert_eq!(parse_range("bytes=95-200", 100).unwrap(), 95..100);
        assert!(parse_range("bytes=100-", 100).is_err());
        assert!(parse_range("bytes=5-2", 100).is_err());
        assert!(parse_range("bytes=0-1,4-5", 100).is_err());
        assert!(parse_range("items=0-1", 100).is_err());
    }
}
