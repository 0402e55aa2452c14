//! `modelreg model register-version`, `list-versions` and `delete-version`.

use super::Ctx;
use crate::cli::RegisterVersionArgs;
use crate::error::CliResult;
use crate::output::{versions_table, whole_list, write_json, write_table};
use modelreg_client::types::{Empty, ModelVersionResponse, ModelVersionsResponse};
use modelreg_client::RegisterVersionRequest;
use std::io::Write;

/// `model register-version NAME CHECKPOINT_UUID`
pub fn register(ctx: &Ctx, args: &RegisterVersionArgs, out: &mut dyn Write) -> CliResult<()> {
    let mut model = ctx.client.get_model(&args.name)?;
    let labels: Vec<String> = args
        .labels
        .iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let version = model.register_version_with(RegisterVersionRequest {
        checkpoint_uuid: args.checkpoint_uuid.clone(),
        name: args.version_name.clone(),
        comment: args.comment.clone(),
        metadata: args.metadata.clone(),
        labels: (!labels.is_empty()).then_some(labels),
        notes: args.notes.clone(),
        ..RegisterVersionRequest::default()
    })?;
    let version = version.into_model_version();
    if ctx.json {
        return write_json(
            out,
            &ModelVersionResponse {
                model_version: version,
            },
        );
    }
    writeln!(
        out,
        "Registered version {} of model \"{}\".",
        version.version, version.model.name
    )?;
    write_table(out, &versions_table(std::slice::from_ref(&version)))
}

/// `model list-versions NAME`: newest first.
pub fn list(ctx: &Ctx, name: &str, out: &mut dyn Write) -> CliResult<()> {
    let model = ctx.client.get_model(name)?;
    let versions: Vec<_> = model
        .get_versions()?
        .into_iter()
        .map(|v| v.into_model_version())
        .collect();
    if ctx.json {
        let pagination = whole_list(versions.len());
        let model = model.into_model();
        return write_json(
            out,
            &ModelVersionsResponse {
                model,
                model_versions: versions,
                pagination,
            },
        );
    }
    write_table(out, &versions_table(&versions))
}

/// `model delete-version NAME N`
pub fn delete(ctx: &Ctx, name: &str, number: i32, out: &mut dyn Write) -> CliResult<()> {
    let model = ctx.client.get_model(name)?;
    let version = model.get_version(Some(number))?;
    version.delete()?;
    if ctx.json {
        return write_json(out, &Empty {});
    }
    writeln!(out, "Deleted version {number} of model \"{}\".", model.name)?;
    Ok(())
}
