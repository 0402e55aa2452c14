//! How results are shown: tables for people, the API's JSON for programs.

use crate::error::CliResult;
use chrono::{DateTime, Utc};
use comfy_table::{presets, Table};
use modelreg_client::types::{
    Checkpoint, CheckpointFile, Metadata, Model, ModelVersion, Pagination,
};
use serde::Serialize;
use std::io::Write;

/// Writes a value as pretty JSON and a newline.
pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> CliResult<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// Writes a table and a newline.
pub fn write_table(out: &mut dyn Write, table: &Table) -> CliResult<()> {
    writeln!(out, "{table}")?;
    Ok(())
}

/// The pagination of a whole list fetched page by page.
pub fn whole_list(len: usize) -> Pagination {
    let n = i32::try_from(len).unwrap_or(i32::MAX);
    Pagination {
        offset: 0,
        limit: 0,
        start_index: 0,
        end_index: n,
        total: n,
    }
}

fn table() -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table
}

fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn json(metadata: &Metadata) -> String {
    if metadata.is_empty() {
        return "{}".into();
    }
    serde_json::to_string_pretty(metadata).expect("metadata serializes")
}

fn labels(labels: &[String]) -> String {
    labels.join(", ")
}

/// One row per model.
pub fn models_table(models: &[Model]) -> Table {
    let mut t = table();
    t.set_header([
        "ID",
        "Name",
        "Description",
        "Versions",
        "Labels",
        "Archived",
        "Created",
        "Last updated",
    ]);
    for m in models {
        t.add_row([
            m.id.to_string(),
            m.name.clone(),
            m.description.clone(),
            m.num_versions.to_string(),
            labels(&m.labels),
            yes_no(m.archived).into(),
            time(&m.creation_time),
            time(&m.last_updated_time),
        ]);
    }
    t
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// One model, field by field.
pub fn model_details(m: &Model) -> Table {
    let mut t = table();
    t.add_row(["ID", &m.id.to_string()]);
    t.add_row(["Name", &m.name]);
    t.add_row(["Description", &m.description]);
    t.add_row(["Labels", &labels(&m.labels)]);
    t.add_row(["Archived", yes_no(m.archived)]);
    t.add_row(["Versions", &m.num_versions.to_string()]);
    t.add_row(["Created", &time(&m.creation_time)]);
    t.add_row(["Last updated", &time(&m.last_updated_time)]);
    t.add_row(["User", &m.username]);
    t.add_row(["Notes", &m.notes]);
    t.add_row(["Metadata", &json(&m.metadata)]);
    t
}

/// One row per version.
pub fn versions_table(versions: &[ModelVersion]) -> Table {
    let mut t = table();
    t.set_header([
        "Version",
        "Name",
        "Checkpoint UUID",
        "State",
        "Comment",
        "Created",
        "Metadata",
    ]);
    for v in versions {
        t.add_row([
            v.version.to_string(),
            v.name.clone(),
            v.checkpoint.uuid.clone(),
            v.checkpoint
                .state
                .name()
                .trim_start_matches("STATE_")
                .to_string(),
            v.comment.clone(),
            time(&v.creation_time),
            json(&v.metadata),
        ]);
    }
    t
}

/// One checkpoint, field by field.
pub fn checkpoint_details(c: &Checkpoint) -> Table {
    let mut t = table();
    t.add_row(["UUID", &c.uuid]);
    t.add_row(["State", c.state.name()]);
    t.add_row(["Storage", c.storage.name()]);
    if !c.external_uri.is_empty() {
        t.add_row(["External URI", &c.external_uri]);
    }
    t.add_row(["Task ID", &c.task_id]);
    t.add_row([
        "Reported",
        &c.report_time.as_ref().map(time).unwrap_or_default(),
    ]);
    let files: Vec<String> = c
        .resources
        .iter()
        .map(|(path, size)| format!("{path} ({size} bytes)"))
        .collect();
    t.add_row(["Files", &files.join("\n")]);
    t.add_row(["Metadata", &json(&c.metadata)]);
    let training = &c.training;
    let ids = |id: Option<i32>| id.map(|i| i.to_string()).unwrap_or_default();
    t.add_row(["Experiment ID", &ids(training.experiment_id)]);
    t.add_row(["Trial ID", &ids(training.trial_id)]);
    t.add_row(["Hyperparameters", &json(&training.hparams)]);
    t.add_row([
        "Validation metrics",
        &json(&training.validation_metrics.avg_metrics),
    ]);
    t
}

/// One row per checkpoint.
pub fn checkpoints_table(checkpoints: &[Checkpoint]) -> Table {
    let mut t = table();
    t.set_header(["UUID", "State", "Reported", "Files", "Bytes"]);
    for c in checkpoints {
        t.add_row([
            c.uuid.clone(),
            c.state.name().trim_start_matches("STATE_").to_string(),
            c.report_time.as_ref().map(time).unwrap_or_default(),
            c.resources.len().to_string(),
            c.resources.values().sum::<i64>().to_string(),
        ]);
    }
    t
}

/// One row per file of a checkpoint's manifest.
pub fn files_table(files: &[CheckpointFile]) -> Table {
    let mut t = table();
    t.set_header(["Path", "Bytes", "SHA-256"]);
    for f in files {
        t.add_row([f.path.clone(), f.size.to_string(), f.sha256.clone()]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model() -> Model {
        serde_json::from_value(json!({
            "id": 7, "name": "mnist_cnn", "description": "a character recognition model",
            "metadata": {"git_url": "http://github.com/user/repo"}, "labels": ["vision", "ocr"],
            "notes": "", "archived": false, "numVersions": 2,
            "creationTime": "2026-11-27T08:01:02.123456Z", "lastUpdatedTime": "2026-11-27T09:00:00Z",
            "userId": 1, "username": "determined", "workspaceId": 1
        }))
        .unwrap()
    }

    #[test]
    fn the_model_table_has_one_row_per_model_with_its_fields() {
        let text = models_table(&[model()]).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("Name") && lines[1].contains("Last updated"),
            "{text}"
        );
        let row = lines
            .iter()
            .find(|l| l.contains("mnist_cnn"))
            .expect("a row for the model");
        for cell in [
            "7",
            "a character recognition model",
            "2",
            "vision, ocr",
            "no",
            "2026-11-27 08:01:02",
        ] {
            assert!(row.contains(cell), "{cell:?} missing in {row}");
        }
    }

    #[test]
    fn model_details_show_metadata_as_json() {
        let text = model_details(&model()).to_string();
        assert!(
            text.contains("\"git_url\": \"http://github.com/user/repo\""),
            "{text}"
        );
        assert!(text.contains("2026-11-27 09:00:00"), "{text}");
    }

    #[test]
    fn json_output_is_pretty_with_a_final_newline() {
        let mut out = Vec::new();
        write_json(&mut out, &json!({"a": 1})).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\n  \"a\": 1\n}\n");
    }

    #[test]
    fn a_whole_list_covers_everything() {
        let p = whole_list(3);
        assert_eq!((p.start_index, p.end_index, p.total), (0, 3, 3));
    }
}
