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
        Some(header) => parse_range(header, size)?,
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

/// Reads a `Range` header against a file of `size` bytes, as RFC 9110
/// §14.2 says: `Ok(Some(range))` for one satisfiable byte range, `Ok(None)`
/// when the header is to be ignored and the whole file served (a unit other
/// than `bytes`, invalid syntax such as `bytes=abc` or `bytes=5-2`, or
/// several ranges: the server MAY ignore a Range and does not send
/// multipart answers), and 416 when the syntax is valid but no range
/// overlaps the file (`bytes=100-` of a 100-byte file, `bytes=-0`).
fn parse_range(header: &str, size: u64) -> ServerResult<Option<Range<u64>>> {
    let Some((unit, set)) = header.split_once('=') else {
        return Ok(None);
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Ok(None);
    }
    // `1#range-spec`: a comma-separated list in which empty elements are allowed.
    let specs: Option<Vec<Range<u64>>> = set
        .split(',')
        .map(str::trim)
        .filter(|spec| !spec.is_empty())
        .map(|spec| byte_range(spec, size))
        .collect();
    let specs = match specs {
        Some(specs) if !specs.is_empty() => specs,
        _ => return Ok(None),
    };
    let satisfiable: Vec<&Range<u64>> = specs.iter().filter(|r| r.start < r.end).collect();
    match satisfiable.as_slice() {
        [] => Err(ServerError::RangeNotSatisfiable {
            range: header.to_string(),
            size,
        }),
        [one] if specs.len() == 1 => Ok(Some((*one).clone())),
        _ => Ok(None),
    }
}

/// One `range-spec` (`first-last`, `first-` or `-suffix`) clamped to the
/// file, `None` when its syntax is invalid. An unsatisfiable range comes back
/// empty.
fn byte_range(spec: &str, size: u64) -> Option<Range<u64>> {
    // `u64::from_str` would also take a leading `+`; HTTP allows only digits.
    let number = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().unwrap_or(u64::MAX))
    };
    let (first, last) = spec.split_once('-')?;
    if first.is_empty() {
        let suffix = number(last)?;
        return Some(size.saturating_sub(suffix)..size);
    }
    let first = number(first)?;
    let end = match last {
        "" => size,
        last => {
            let last = number(last)?;
            if last < first {
                return None;
            }
            last.saturating_add(1).min(size)
        }
    };
    Some(first.min(size)..end.max(first.min(size)))
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
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), Some(0..10));
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), Some(90..100));
        assert_eq!(parse_range("bytes=-10", 100).unwrap(), Some(90..100));
        assert_eq!(parse_range("bytes=-200", 100).unwrap(), Some(0..100));
        assert_eq!(parse_range("bytes=95-200", 100).unwrap(), Some(95..100));
        assert_eq!(parse_range("Bytes=1-1, ", 100).unwrap(), Some(1..2));
    }

    #[test]
    fn unsatisfiable_ranges_are_416() {
        for header in [
            "bytes=100-",
            "bytes=100-200",
            "bytes=-0",
            "bytes=200-,300-400",
        ] {
            assert!(parse_range(header, 100).is_err(), "{header}");
        }
        assert!(
            parse_range("bytes=0-", 0).is_err(),
            "nothing of an empty file"
        );
    }

    #[test]
    fn invalid_ranges_and_other_units_are_ignored() {
        for header in [
            "bytes=abc",
            "bytes=5-2",
            "bytes=",
            "bytes=,",
            "bytes=1",
            "bytes=+1-2",
            "bytes=1-2-3",
            "bytes=0-1,x",
            "bytes 0-1",
            "items=0-1",
            "",
        ] {
            assert_eq!(parse_range(header, 100).unwrap(), None, "{header:?}");
        }
        assert_eq!(
            parse_range("bytes=0-1,4-5", 100).unwrap(),
            None,
            "several ranges get the whole file"
        );
    }
}
