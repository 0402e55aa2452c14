//! Checkpoint files in a local folder.

use super::{upload_error, ByteStream, Tally, Written};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// A folder holding objects as files; `.tmp/` holds uploads in progress.
pub struct LocalArtifacts {
    root: PathBuf,
}

impl LocalArtifacts {
    /// Opens (and creates) the folder, clearing uploads a crash left behind.
    pub fn open(root: PathBuf) -> Result<LocalArtifacts, String> {
        let tmp = root.join(".tmp");
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        Ok(LocalArtifacts { root })
    }

    pub(super) fn describe(&self) -> String {
        format!("local folder {}", self.root.display())
    }

    fn path(&self, key: &str) -> PathBuf {
        // Keys are built by the server from uuids; never from user paths.
        self.root.join(key)
    }

    pub(super) async fn put<S, E>(&self, key: &str, mut body: S) -> io::Result<Written>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = self
            .root
            .join(".tmp")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            let mut tally = Tally::default();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(upload_error)?;
                tally.add(&chunk);
                file.write_all(&chunk).await?;
            }
            file.sync_all().await?;
            drop(file);
            let target = self.path(key);
            let dir = target.parent().unwrap_or(&self.root).to_path_buf();
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::rename(&tmp, &target).await?;
            sync_dir(dir).await?;
            Ok(tally.finish())
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    pub(super) async fn get(&self, key: &str, range: Option<Range<u64>>) -> io::Result<ByteStream> {
        let mut file = tokio::fs::File::open(self.path(key)).await?;
        let reader: Box<dyn tokio::io::AsyncRead + Send + Unpin> = match range {
            Some(range) => {
                file.seek(io::SeekFrom::Start(range.start)).await?;
                Box::new(file.take(range.end - range.start))
            }
            None => Box::new(file),
        };
        Ok(tokio_util::io::ReaderStream::with_capacity(reader, 1024 * 1024).boxed())
    }

    pub(super) async fn delete(&self, key: &str) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub(super) async fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        let dir = self.path(prefix.trim_end_matches('/'));
        match tokio::fs::remove_dir_all(&dir).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub(super) async fn check(&self) -> io::Result<()> {
        tokio::fs::metadata(self.root.join(".tmp")).await.map(drop)
    }
}

async fn sync_dir(dir: PathBuf) -> io::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(Path::new(&dir))?.sync_all())
        .await
        .map_err(io::Error::other)?
}
