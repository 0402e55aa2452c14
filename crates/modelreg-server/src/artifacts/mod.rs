//! The artifact store: where checkpoint files live. A local folder under the
//! data dir by default, or S3-compatible object storage.
//!
//! Objects are written once under a fresh key and never changed, so a
//! reader never sees a half-written file: the local store writes to a temp
//! file, fsyncs and renames; S3 publishes a multipart upload only when it
//! completes.

mod local;
mod s3;

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::io;
use std::ops::Range;
use std::path::Path;

pub use local::LocalArtifacts;
pub use s3::S3Artifacts;

/// What a stored object turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Its size in bytes.
    pub size: u64,
    /// The hex SHA-256 of its bytes.
    pub sha256: String,
}

/// A stream of an object's bytes.
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// Either backend.
pub enum Artifacts {
    /// A folder on this machine.
    Local(LocalArtifacts),
    /// S3-compatible object storage.
    S3(S3Artifacts),
}

impl Artifacts {
    /// Opens the store a `--artifact-store` value names: empty for
    /// `<data-dir>/artifacts`, `file:///path` or a path for a folder,
    /// `s3://bucket/prefix` for object storage.
    pub fn open(
        spec: &str,
        data_dir: &Path,
        s3_endpoint: Option<&str>,
    ) -> Result<Artifacts, String> {
        if let Some(rest) = spec.strip_prefix("s3://") {
            return S3Artifacts::open(rest, s3_endpoint).map(Artifacts::S3);
        }
        let root = match spec.strip_prefix("file://").unwrap_or(spec) {
            "" => data_dir.join("artifacts"),
            path => Path::new(path).to_path_buf(),
        };
        LocalArtifacts::open(root).map(Artifacts::Local)
    }

    /// Where the files go, for logs.
    pub fn describe(&self) -> String {
        match self {
            Artifacts::Local(l) => l.describe(),
            Artifacts::S3(s) => s.describe(),
        }
    }

    /// Stores a stream of bytes under `key`, hashing it on the way, in
    /// constant memory. The object appears only once all of it is written.
    pub async fn put<S, E>(&self, key: &str, body: S) -> io::Result<Written>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        match self {
            Artifacts::Local(l) => l.put(key, body).await,
            Artifacts::S3(s) => s.put(key, body).await,
        }
    }

    /// Reads an object, or a byte range of it.
    pub async fn get(&self, key: &str, range: Option<Range<u64>>) -> io::Result<ByteStream> {
        match self {
            Artifacts::Local(l) => l.get(key, range).await,
            Artifacts::S3(s) => s.get(key, range).await,
        }
    }

    /// Reads a whole object and hashes it.
    pub async fn digest(&self, key: &str) -> io::Result<Written> {
        let mut stream = self.get(key, None).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok(Written {
            size,
            sha256: hex::encode(hasher.finalize()),
        })
    }

    /// Deletes one object; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match self {
            Artifacts::Local(l) => l.delete(key).await,
            Artifacts::S3(s) => s.delete(key).await,
        }
    }

    /// Deletes every object under a prefix.
    pub async fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        match self {
            Artifacts::Local(l) => l.delete_prefix(prefix).await,
            Artifacts::S3(s) => s.delete_prefix(prefix).await,
        }
    }

    /// Checks that the store answers.
    pub async fn check(&self) -> io::Result<()> {
        match self {
            Artifacts::Local(l) => l.check().await,
            Artifacts::S3(s) => s.check().await,
        }
    }
}

/// Hashes and counts bytes as they pass.
#[derive(Default)]
pub(crate) struct Tally {
    hasher: Sha256,
    size: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
    }

    pub(crate) fn finish(self) -> Written {
        Written {
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
        }
    }
}

pub(crate) fn upload_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the upload was cut off: {e}"),
    )
}
