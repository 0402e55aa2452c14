//! Checkpoint files in S3-compatible object storage, through `object_store`.

use super::{upload_error, ByteStream, Tally, Written};
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use std::io;
use std::ops::Range;
use std::sync::Arc;

/// A bucket and a key prefix.
pub struct S3Artifacts {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: String,
}

fn to_io(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => {
            io::Error::new(io::ErrorKind::NotFound, e.to_string())
        }
        other => io::Error::other(other.to_string()),
    }
}

impl S3Artifacts {
    /// Opens `bucket/prefix` with the standard AWS variables
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, ...) and an
    /// optional endpoint for non-AWS stores.
    pub fn open(bucket_and_prefix: &str, endpoint: Option<&str>) -> Result<S3Artifacts, String> {
        let (bucket, prefix) = bucket_and_prefix
            .split_once('/')
            .unwrap_or((bucket_and_prefix, ""));
        if bucket.is_empty() {
            return Err("--artifact-store s3://BUCKET[/PREFIX] needs a bucket".into());
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if std::env::var_os("AWS_REGION").is_none()
            && std::env::var_os("AWS_DEFAULT_REGION").is_none()
        {
            builder = builder.with_region("us-east-1");
        }
        if let Some(endpoint) = endpoint.filter(|e| !e.is_empty()) {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder
            .build()
            .map_err(|e| format!("cannot configure S3 bucket {bucket}: {e}"))?;
        Ok(S3Artifacts {
            store: Arc::new(store),
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    pub(super) fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    fn path(&self, key: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    pub(super) async fn put<S, E>(&self, key: &str, mut body: S) -> io::Result<Written>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let upload = self
            .store
            .put_multipart(&self.path(key))
            .await
            .map_err(to_io)?;
        let mut writer = WriteMultipart::new(upload);
        let mut tally = Tally::default();
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(upload_error(e));
                }
            };
            tally.add(&chunk);
            // Bounded memory: at most a few parts in flight.
            if let Err(e) = writer.wait_for_capacity(2).await {
                let _ = writer.abort().await;
                return Err(to_io(e));
            }
            writer.put(chunk);
        }
        writer.finish().await.map_err(to_io)?;
        Ok(tally.finish())
    }

    pub(super) async fn get(&self, key: &str, range: Option<Range<u64>>) -> io::Result<ByteStream> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let result = self
            .store
            .get_opts(&self.path(key), options)
            .await
            .map_err(to_io)?;
        Ok(result.into_stream().map_err(to_io).boxed())
    }

    pub(super) async fn delete(&self, key: &str) -> io::Result<()> {
        match self.store.delete(&self.path(key)).await {
            Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    pub(super) async fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        let keys: Vec<ObjectPath> = self
            .store
            .list(Some(&self.path(prefix.trim_end_matches('/'))))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(to_io)?;
        for key in keys {
            match self.store.delete(&key).await {
                Err(object_store::Error::NotFound { .. }) | Ok(()) => {}
                Err(e) => return Err(to_io(e)),
            }
        }
        Ok(())
    }

    pub(super) async fn check(&self) -> io::Result<()> {
        self.store
            .list_with_delimiter(Some(&self.path("checkpoints")))
            .await
            .map(drop)
            .map_err(to_io)
    }
}
