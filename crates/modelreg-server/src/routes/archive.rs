//! A whole checkpoint as one streamed `.tar.gz`, built on a thread of its own
//! in constant memory.

use super::files::{attachment, verify, CHECK_FIRST_MAX_BYTES};
use super::{owned, StoreData};
use crate::artifacts::{Artifacts, ByteStream};
use crate::errors::{blocking, ServerError, ServerResult};
use actix_web::web::{Data, Path};
use actix_web::{get, HttpResponse};
use bytes::Bytes;
use futures::StreamExt;
use modelreg_store::{StoreError, StoredFile};
use modelreg_types::{ApiError, CheckpointState, CheckpointStorage};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use tokio::sync::mpsc;

/// Download a completed checkpoint's files as one gzipped tar stream.
#[utoipa::path(
    tag = "checkpoint files",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    responses(
        (status = 200, description = "A gzipped tar of the checkpoint's files", content_type = "application/gzip"),
        (status = 400, body = ApiError),
        (status = 404, body = ApiError),
        (status = 500, body = ApiError, description = "A stored file no longer matches its SHA-256")
    )
)]
#[get("/checkpoints/{checkpointUuid}/archive")]
pub async fn download_archive(
    store: StoreData,
    artifacts: Data<Artifacts>,
    uuid: Path<String>,
) -> ServerResult<HttpResponse> {
    archive_response(store, artifacts, uuid.into_inner()).await
}

/// Determined's checkpoint download (`GET /checkpoints/{uuid}` with
/// `Accept: application/gzip`), used by `Checkpoint.download()` through the master.
#[utoipa::path(
    tag = "checkpoint files",
    params(("checkpointUuid" = String, Path, description = "The checkpoint's uuid")),
    responses(
        (status = 200, description = "A gzipped tar of the checkpoint's files", content_type = "application/gzip"),
        (status = 400, body = ApiError),
        (status = 404, body = ApiError)
    )
)]
#[get("/checkpoints/{checkpointUuid}")]
pub async fn determined_download(
    store: StoreData,
    artifacts: Data<Artifacts>,
    uuid: Path<String>,
) -> ServerResult<HttpResponse> {
    archive_response(store, artifacts, uuid.into_inner()).await
}

async fn archive_response(
    store: StoreData,
    artifacts: Data<Artifacts>,
    uuid: String,
) -> ServerResult<HttpResponse> {
    let (checkpoint, files) = {
        let (store, uuid) = (owned(&store), uuid.clone());
        blocking(move || store.checkpoint_files(&uuid)).await?
    };
    let refuse = |m: String| Err(ServerError::Store(StoreError::FailedPrecondition(m)));
    match checkpoint.storage {
        CheckpointStorage::Managed => {}
        CheckpointStorage::External => {
            return refuse(format!(
                "checkpoint {uuid} is external: its files stay at {} and are not served by the registry",
                checkpoint.external_uri
            ))
        }
        CheckpointStorage::Record => {
            return refuse(format!("checkpoint {uuid} is a record only: no files were uploaded to it"))
        }
    }
    if checkpoint.state != CheckpointState::Completed {
        return refuse(format!(
            "checkpoint {uuid} is {}; only a completed checkpoint can be downloaded whole",
            checkpoint.state
        ));
    }
    // Check small files before the first byte goes out, so a corrupt one is a
    // clear error; large ones are checked as they stream (see write_archive).
    for file in files
        .iter()
        .filter(|f| f.file.size as u64 <= CHECK_FIRST_MAX_BYTES)
    {
        verify(&artifacts, &uuid, file).await?;
    }
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(8);
    let handle = tokio::runtime::Handle::current();
    let artifacts = artifacts.into_inner();
    std::thread::Builder::new()
        .name(format!("archive-{uuid}"))
        .spawn(move || {
            let failure = tx.clone();
            if let Err(err) = write_archive(&files, &artifacts, &handle, ChannelWriter::new(tx)) {
                tracing::warn!(error = %err, "checkpoint archive stopped");
                let _ = failure.blocking_send(Err(err));
            }
        })
        .map_err(|e| ServerError::ArtifactStore(format!("cannot start the archive writer: {e}")))?;
    let body = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        .insert_header((
            "Content-Disposition",
            attachment(&format!("{}.tar.gz", checkpoint.uuid)),
        ))
        .streaming(body))
}

fn write_archive(
    files: &[StoredFile],
    artifacts: &Artifacts,
    handle: &tokio::runtime::Handle,
    out: ChannelWriter,
) -> io::Result<()> {
    let gzip = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
    let mut tar = tar::Builder::new(gzip);
    let mtime = chrono::Utc::now().timestamp().max(0) as u64;
    for file in files {
        let stream = handle.block_on(artifacts.get(&file.blob_key, None))?;
        let mut reader = BlockingReader {
            stream,
            handle: handle.clone(),
            pending: Bytes::new(),
            hasher: Sha256::new(),
        };
        let mut header = tar::Header::new_gnu();
        header.set_size(file.file.size as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        tar.append_data(&mut header, &file.file.path, &mut reader)?;
        // Checked again as it streams: bytes that changed since the check end the archive with an error.
        if hex::encode(reader.hasher.finalize()) != file.file.sha256 {
            return Err(io::Error::other(format!(
                "file {:?} changed while it was archived",
                file.file.path
            )));
        }
    }
    tar.into_inner()?.finish()?.flush()
}

/// Reads an async byte stream from a plain thread.
struct BlockingReader {
    stream: ByteStream,
    handle: tokio::runtime::Handle,
    pending: Bytes,
    hasher: Sha256,
}

impl Read for BlockingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() {
            match self.handle.block_on(self.stream.next()) {
                Some(chunk) => self.pending = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.hasher.update(&buf[..n]);
        let _ = self.pending.split_to(n);
        Ok(n)
    }
}

/// Sends what is written to the response, 256 KiB at a time.
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

const CHUNK: usize = 256 * 1024;

impl ChannelWriter {
    fn new(tx: mpsc::Sender<io::Result<Bytes>>) -> Self {
        ChannelWriter {
            tx,
            buffer: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}
