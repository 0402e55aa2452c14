//! `modelreg model ...`: models themselves (versions are in `versions.rs`).

use super::{transfer, versions, Ctx};
use crate::cli::{CreateModelArgs, ListModelsArgs, MetadataCommand, ModelCommand, UpdateModelArgs};
use crate::error::CliResult;
use crate::output::{
    model_details, models_table, versions_table, whole_list, write_json, write_table,
};
use modelreg_client::types::{
    Empty, LabelsResponse, Metadata, ModelResponse, ModelSortBy, ModelsResponse,
};
use modelreg_client::{CreateModelOptions, ModelFilter, PatchModelRequest};
use std::io::Write;

/// Runs a `model` subcommand.
pub fn run(ctx: &Ctx, command: &ModelCommand, out: &mut dyn Write) -> CliResult<()> {
    match command {
        ModelCommand::Create(args) => create(ctx, args, out),
        ModelCommand::List(args) => list(ctx, args, out),
        ModelCommand::Describe { name, version } => describe(ctx, name, *version, out),
        ModelCommand::Update(args) => update(ctx, args, out),
        ModelCommand::RegisterVersion(args) => versions::register(ctx, args, out),
        ModelCommand::ListVersions { name } => versions::list(ctx, name, out),
        ModelCommand::DeleteVersion { name, version } => versions::delete(ctx, name, *version, out),
        ModelCommand::Metadata(MetadataCommand::Add { name, metadata }) => {
            add_metadata(ctx, name, metadata, out)
        }
        ModelCommand::Metadata(MetadataCommand::Remove { name, keys }) => {
            remove_metadata(ctx, name, keys, out)
        }
        ModelCommand::Labels { name: None, .. } => all_labels(ctx, out),
        ModelCommand::Labels {
            name: Some(name),
            labels,
        } => model_labels(ctx, name, labels.as_deref(), out),
        ModelCommand::Archive { name } => set_archived(ctx, name, true, out),
        ModelCommand::Unarchive { name } => set_archived(ctx, name, false, out),
        ModelCommand::Delete { name } => delete(ctx, name, out),
        ModelCommand::Download {
            name,
            version,
            output,
        } => transfer::model_download(ctx, name, *version, output, out),
    }
}

/// Splits `a,b` into labels; blanks are dropped, so `""` is no labels.
fn split_labels(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn write_model(ctx: &Ctx, model: &modelreg_client::Model, out: &mut dyn Write) -> CliResult<()> {
    if ctx.json {
        return write_json(
            out,
            &ModelResponse {
                model: model.clone(),
            },
        );
    }
    write_table(out, &model_details(model))
}

/// `model create NAME`
pub fn create(ctx: &Ctx, args: &CreateModelArgs, out: &mut dyn Write) -> CliResult<()> {
    let labels: Vec<String> = args.labels.iter().flat_map(|l| split_labels(l)).collect();
    let options = CreateModelOptions {
        description: args.description.clone(),
        metadata: args.metadata.clone(),
        labels: (!labels.is_empty()).then_some(labels),
        notes: args.notes.clone(),
    };
    let model = ctx.client.create_model(&args.name, options)?;
    write_model(ctx, &model, out)
}

/// `model list`
pub fn list(ctx: &Ctx, args: &ListModelsArgs, out: &mut dyn Write) -> CliResult<()> {
    let filter = ModelFilter {
        name: args.name.clone(),
        description: args.description.clone(),
        labels: args.labels.clone(),
        archived: args.archived,
        sort_by: args.sort_by.map(ModelSortBy::from).unwrap_or_default(),
        order_by: args.order_by.into(),
    };
    let models: Vec<_> = ctx
        .client
        .get_models(filter)?
        .into_iter()
        .map(|m| m.into_model())
        .collect();
    if ctx.json {
        let pagination = whole_list(models.len());
        return write_json(out, &ModelsResponse { models, pagination });
    }
    write_table(out, &models_table(&models))
}

/// `model describe NAME [--version N]`: the model and its latest (or named) version.
pub fn describe(ctx: &Ctx, name: &str, version: Option<i32>, out: &mut dyn Write) -> CliResult<()> {
    let model = ctx.client.get_model(name)?;
    let shown = match version {
        Some(n) => Some(model.get_version(Some(n))?),
        None => model.latest_version()?,
    };
    let shown = shown.map(|v| v.into_model_version());
    if ctx.json {
        let value = serde_json::json!({"model": model.model(), "modelVersion": shown});
        return write_json(out, &value);
    }
    write_table(out, &model_details(&model))?;
    match shown {
        Some(v) => {
            let which = if version.is_some() {
                "Version"
            } else {
                "Latest version"
            };
            writeln!(out, "\n{which}:")?;
            write_table(out, &versions_table(std::slice::from_ref(&v)))
        }
        None => {
            writeln!(out, "\nNo versions.")?;
            Ok(())
        }
    }
}

/// `model update NAME [--new-name N] [--description D] [--notes N]`
pub fn update(ctx: &Ctx, args: &UpdateModelArgs, out: &mut dyn Write) -> CliResult<()> {
    let mut model = ctx.client.get_model(&args.name)?;
    model.patch(PatchModelRequest {
        name: args.new_name.clone(),
        description: args.description.clone(),
        notes: args.notes.clone(),
        ..PatchModelRequest::default()
    })?;
    write_model(ctx, &model, out)
}

fn write_metadata(ctx: &Ctx, model: &modelreg_client::Model, out: &mut dyn Write) -> CliResult<()> {
    if ctx.json {
        return write_json(
            out,
            &ModelResponse {
                model: model.clone(),
            },
        );
    }
    write_json(out, &model.metadata)
}

/// `model metadata add NAME JSON`: merges top-level keys; prints the resulting metadata.
pub fn add_metadata(
    ctx: &Ctx,
    name: &str,
    metadata: &Metadata,
    out: &mut dyn Write,
) -> CliResult<()> {
    let mut model = ctx.client.get_model(name)?;
    model.add_metadata(metadata)?;
    write_metadata(ctx, &model, out)
}

/// `model metadata remove NAME KEY...`: prints the resulting metadata.
pub fn remove_metadata(
    ctx: &Ctx,
    name: &str,
    keys: &[String],
    out: &mut dyn Write,
) -> CliResult<()> {
    let mut model = ctx.client.get_model(name)?;
    model.remove_metadata(keys.iter().cloned())?;
    write_metadata(ctx, &model, out)
}

/// `model labels`: every label in use, most used first.
pub fn all_labels(ctx: &Ctx, out: &mut dyn Write) -> CliResult<()> {
    let labels = ctx.client.get_model_labels()?;
    if ctx.json {
        return write_json(out, &LabelsResponse { labels });
    }
    for label in labels {
        writeln!(out, "{label}")?;
    }
    Ok(())
}

/// `model labels NAME [a,b]`: shows or replaces a model's labels.
pub fn model_labels(
    ctx: &Ctx,
    name: &str,
    labels: Option<&str>,
    out: &mut dyn Write,
) -> CliResult<()> {
    let mut model = ctx.client.get_model(name)?;
    if let Some(text) = labels {
        model.set_labels(split_labels(text))?;
    }
    if ctx.json {
        return write_json(
            out,
            &ModelResponse {
                model: model.into_model(),
            },
        );
    }
    for label in &model.labels {
        writeln!(out, "{label}")?;
    }
    Ok(())
}

/// `model archive NAME` and `model unarchive NAME`
pub fn set_archived(ctx: &Ctx, name: &str, archived: bool, out: &mut dyn Write) -> CliResult<()> {
    let mut model = ctx.client.get_model(name)?;
    if archived {
        model.archive()?;
    } else {
        model.unarchive()?;
    }
    if ctx.json {
        return write_json(
            out,
            &ModelResponse {
                model: model.into_model(),
            },
        );
    }
    let done = if archived { "Archived" } else { "Unarchived" };
    writeln!(out, "{done} model \"{}\".", model.name)?;
    Ok(())
}

/// `model delete NAME`
pub fn delete(ctx: &Ctx, name: &str, out: &mut dyn Write) -> CliResult<()> {
    let model = ctx.client.get_model(name)?;
    let (shown, versions) = (model.name.clone(), model.num_versions);
    model.delete()?;
    if ctx.json {
        return write_json(out, &Empty {});
    }
    writeln!(
        out,
        "Deleted model \"{shown}\" and its {versions} version(s)."
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_labels;

    #[test]
    fn labels_are_split_on_commas_and_blanks_dropped() {
        assert_eq!(split_labels("a, b,,c "), vec!["a", "b", "c"]);
        assert!(split_labels("").is_empty());
    }
}
