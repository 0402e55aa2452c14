//! Checkpoint files: uploading a local folder as a checkpoint and
//! downloading a checkpoint into a local folder, both streamed in constant
//! memory and checked against SHA-256.

mod download;
mod local;
mod upload;

use modelreg_types::{CheckpointTraining, Metadata};
use std::fmt;
use std::sync::Arc;

/// Hears how a checkpoint upload or download advances, e.g. to draw a
/// progress bar. Every method but [`Progress::on_bytes`] does nothing by
/// default. Calls come from the task doing the transfer, so keep them cheap.
///
/// ```
/// use modelreg_client::Progress;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Counter(AtomicU64);
///
/// impl Progress for Counter {
///     fn on_bytes(&self, n: u64) {
///         self.0.fetch_add(n, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait Progress: Send + Sync {
    /// The transfer starts: `files` files of `total_bytes` bytes in all.
    fn start(&self, files: usize, total_bytes: u64) {
        let _ = (files, total_bytes);
    }

    /// The next file starts.
    fn file(&self, path: &str, size: u64) {
        let _ = (path, size);
    }

    /// `n` more bytes went up or came down.
    fn on_bytes(&self, n: u64);

    /// The transfer ended, well or not.
    fn finish(&self) {}
}

/// A shared [`Progress`] hook, as the options take it.
pub type ProgressHook = Arc<dyn Progress>;

/// What [`crate::Client::upload_checkpoint`] records with the files.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// User metadata of the checkpoint (see [`crate::to_metadata`]).
    pub metadata: Option<Metadata>,
    /// Training metadata of the checkpoint.
    pub training: Option<CheckpointTraining>,
    /// The framework that wrote the files, e.g. `torch-2.4`; recorded as
    /// `metadata.framework` (it wins over a `framework` key in `metadata`).
    pub framework: Option<String>,
    /// The files' format, e.g. `safetensors`; recorded as `metadata.format`
    /// (it wins over a `format` key in `metadata`).
    pub format: Option<String>,
    /// The task that wrote the files.
    pub task_id: Option<String>,
    /// The checkpoint's uuid; a new one is generated when absent.
    pub uuid: Option<String>,
    /// Told how the upload advances.
    pub progress: Option<ProgressHook>,
}

impl fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadOptions")
            .field("metadata", &self.metadata)
            .field("training", &self.training)
            .field("framework", &self.framework)
            .field("format", &self.format)
            .field("task_id", &self.task_id)
            .field("uuid", &self.uuid)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// How [`crate::Client::download_checkpoint_with`] downloads.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// Told how the download advances.
    pub progress: Option<ProgressHook>,
}

impl fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// Calls a progress hook if there is one.
#[derive(Clone, Default)]
pub(crate) struct Reporter(Option<ProgressHook>);

impl Reporter {
    pub(crate) fn new(hook: Option<ProgressHook>) -> Reporter {
        Reporter(hook)
    }

    fn start(&self, files: usize, total: u64) {
        if let Some(p) = &self.0 {
            p.start(files, total);
        }
    }

    fn file(&self, path: &str, size: u64) {
        if let Some(p) = &self.0 {
            p.file(path, size);
        }
    }

    fn bytes(&self, n: u64) {
        if let Some(p) = &self.0 {
            p.on_bytes(n);
        }
    }

    fn finish(&self) {
        if let Some(p) = &self.0 {
            p.finish();
        }
    }
}
