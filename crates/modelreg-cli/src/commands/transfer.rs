//! Moving checkpoint files: `checkpoint upload`, `checkpoint download`,
//! `checkpoint files` and `model download`. Progress bars go to stderr and
//! only on a terminal, so stdout stays fit for `$(...)` and pipes.

use super::Ctx;
use crate::cli::UploadArgs;
use crate::error::CliResult;
use crate::output::{files_table, write_json, write_table};
use crate::progress::bar;
use indicatif::HumanBytes;
use modelreg_client::types::{CheckpointFilesResponse, CheckpointResponse};
use modelreg_client::{CheckpointFile, DownloadOptions, UploadOptions};
use std::io::Write;
use std::path::Path;

/// `checkpoint upload DIR [--metadata JSON] [--framework F] [--format F] ...`:
/// prints just the new checkpoint's uuid (or, with `--json`, the checkpoint).
pub fn upload(ctx: &Ctx, args: &UploadArgs, out: &mut dyn Write) -> CliResult<()> {
    let checkpoint = ctx.client.upload_checkpoint(
        &args.dir,
        UploadOptions {
            metadata: args.metadata.clone(),
            training: args.training.clone(),
            framework: args.framework.clone(),
            format: args.format.clone(),
            task_id: args.task_id.clone(),
            uuid: args.uuid.clone(),
            progress: bar("Uploading"),
        },
    )?;
    if ctx.json {
        return write_json(out, &CheckpointResponse { checkpoint });
    }
    writeln!(out, "{}", checkpoint.uuid)?;
    Ok(())
}

fn download_options() -> DownloadOptions {
    DownloadOptions {
        progress: bar("Downloading"),
    }
}

/// What a download says when done: one line, or the manifest with `--json`.
fn write_downloaded(
    ctx: &Ctx,
    what: &str,
    files: Vec<CheckpointFile>,
    dir: &Path,
    out: &mut dyn Write,
) -> CliResult<()> {
    if ctx.json {
        return write_json(out, &CheckpointFilesResponse { files });
    }
    let bytes: i64 = files.iter().map(|f| f.size).sum();
    writeln!(
        out,
        "Downloaded {what}: {} file(s), {}, into {}.",
        files.len(),
        HumanBytes(bytes.max(0) as u64),
        dir.display()
    )?;
    Ok(())
}

/// `checkpoint download UUID -o DIR`
pub fn download(ctx: &Ctx, uuid: &str, dir: &Path, out: &mut dyn Write) -> CliResult<()> {
    let files = ctx
        .client
        .download_checkpoint_with(uuid, dir, download_options())?;
    write_downloaded(ctx, &format!("checkpoint {uuid}"), files, dir, out)
}

/// `model download NAME [--version N] -o DIR`: the latest version by default.
pub fn model_download(
    ctx: &Ctx,
    name: &str,
    version: Option<i32>,
    dir: &Path,
    out: &mut dyn Write,
) -> CliResult<()> {
    let version = ctx.client.get_model(name)?.get_version(version)?;
    let files = version.download_with(dir, download_options())?;
    let what = format!(
        "version {} of \"{}\" (checkpoint {})",
        version.version,
        version.model.name,
        version.checkpoint().uuid
    );
    write_downloaded(ctx, &what, files, dir, out)
}

/// `checkpoint files UUID`: the manifest.
pub fn files(ctx: &Ctx, uuid: &str, out: &mut dyn Write) -> CliResult<()> {
    let files = ctx.client.checkpoint_files(uuid)?;
    if ctx.json {
        return write_json(out, &CheckpointFilesResponse { files });
    }
    write_table(out, &files_table(&files))
}
