//! The command line, as clap definitions only; the commands live in `commands/`.
//!
//! The model commands mirror Determined's `det model`, so the guide's
//! commands carry over with `det` replaced by `modelreg`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use modelreg_client::types::{CheckpointState, CheckpointTraining, Metadata, ModelSortBy, OrderBy};
use std::collections::BTreeMap;
use std::path::PathBuf;

mod accounts;
pub use accounts::{TokenCommand, UserCommand};

/// The command-line client of the modelreg model registry.
#[derive(Debug, Parser)]
#[command(name = "modelreg", version, about)]
pub struct Cli {
    /// The registry's URL.
    #[arg(
        long,
        short = 'm',
        env = "MODELREG_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,

    /// The user to act as (the password comes from MODELREG_PASSWORD, empty by default; an API token in MODELREG_TOKEN is used instead when set).
    #[arg(
        long,
        short = 'u',
        env = "MODELREG_USER",
        default_value = "determined",
        global = true
    )]
    pub user: String,

    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// A PEM file of CA certificates to trust for an https:// server (besides the system's).
    #[arg(long, env = "MODELREG_CA_FILE", global = true)]
    pub ca_file: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage models and their versions.
    #[command(subcommand, visible_alias = "m")]
    Model(ModelCommand),
    /// Manage checkpoints.
    #[command(subcommand, visible_alias = "c")]
    Checkpoint(CheckpointCommand),
    /// Log in and cache a session token for this server and user.
    Login,
    /// End the session and forget the cached token for this server.
    Logout,
    /// Show the user the commands act as.
    Whoami,
    /// Manage users and their roles (admins; anyone may set their own password).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage long-lived API tokens for automation (use one as MODELREG_TOKEN).
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `modelreg model ...`
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Create a model with no versions.
    Create(CreateModelArgs),
    /// List models.
    List(ListModelsArgs),
    /// Show a model and its latest version (or the one asked for).
    Describe {
        /// The model's name (or id).
        name: String,
        /// Show this version instead of the latest.
        #[arg(long)]
        version: Option<i32>,
    },
    /// Change a model's name, description or notes.
    Update(UpdateModelArgs),
    /// Register a completed checkpoint as the model's next version.
    RegisterVersion(RegisterVersionArgs),
    /// List a model's versions, newest first.
    ListVersions {
        /// The model's name (or id).
        name: String,
    },
    /// Delete one version of a model; its number is never reused.
    DeleteVersion {
        /// The model's name (or id).
        name: String,
        /// The version number.
        version: i32,
    },
    /// Change a model's metadata (top-level keys, atomically on the server).
    #[command(subcommand)]
    Metadata(MetadataCommand),
    /// Show every label in use, show a model's labels, or replace them.
    Labels {
        /// The model's name (or id); without it, every label in use is listed.
        name: Option<String>,
        /// The new labels, comma-separated ("" clears them); without it, the model's labels are shown.
        labels: Option<String>,
    },
    /// Archive a model: it takes no new versions.
    Archive {
        /// The model's name (or id).
        name: String,
    },
    /// Unarchive a model.
    Unarchive {
        /// The model's name (or id).
        name: String,
    },
    /// Delete a model and all its versions.
    Delete {
        /// The model's name (or id).
        name: String,
    },
    /// Download the checkpoint of a model's latest version (or the one asked for) into a folder.
    Download {
        /// The model's name (or id).
        name: String,
        /// Download this version instead of the latest.
        #[arg(long)]
        version: Option<i32>,
        /// The folder to download into (created if missing).
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
}

/// `modelreg model create`
#[derive(Debug, Args)]
pub struct CreateModelArgs {
    /// The new model's name.
    pub name: String,
    /// A description.
    #[arg(long, short = 'd')]
    pub description: Option<String>,
    /// Metadata, a JSON object.
    #[arg(long, value_parser = parse_object)]
    pub metadata: Option<Metadata>,
    /// Labels, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Notes.
    #[arg(long)]
    pub notes: Option<String>,
}

/// `modelreg model list`
#[derive(Debug, Args)]
pub struct ListModelsArgs {
    /// The sort key (default: creation order).
    #[arg(long, value_enum)]
    pub sort_by: Option<SortKey>,
    /// The order.
    #[arg(long, value_enum, default_value = "asc")]
    pub order_by: Order,
    /// Only models whose name contains this (case-insensitive).
    #[arg(long)]
    pub name: Option<String>,
    /// Only models whose description contains this (case-insensitive).
    #[arg(long)]
    pub description: Option<String>,
    /// Only models with this label; repeat for any of several.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Only archived (true) or unarchived (false) models.
    #[arg(long)]
    pub archived: Option<bool>,
}

/// `modelreg model update`
#[derive(Debug, Args)]
pub struct UpdateModelArgs {
    /// The model's name (or id).
    pub name: String,
    /// A new name.
    #[arg(long)]
    pub new_name: Option<String>,
    /// A new description.
    #[arg(long, short = 'd')]
    pub description: Option<String>,
    /// New notes.
    #[arg(long)]
    pub notes: Option<String>,
}

/// `modelreg model register-version`
#[derive(Debug, Args)]
pub struct RegisterVersionArgs {
    /// The model's name (or id).
    pub name: String,
    /// The uuid of a completed checkpoint.
    pub checkpoint_uuid: String,
    /// A name for the version.
    #[arg(long = "version-name")]
    pub version_name: Option<String>,
    /// A comment.
    #[arg(long)]
    pub comment: Option<String>,
    /// Metadata, a JSON object.
    #[arg(long, value_parser = parse_object)]
    pub metadata: Option<Metadata>,
    /// Labels, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Notes.
    #[arg(long)]
    pub notes: Option<String>,
}

/// `modelreg model metadata ...`
#[derive(Debug, Subcommand)]
pub enum MetadataCommand {
    /// Merge a JSON object's top-level keys into the metadata.
    Add {
        /// The model's name (or id).
        name: String,
        /// A JSON object, e.g. '{"metrics": {"test_set_acc": 0.97}}'.
        #[arg(value_parser = parse_object)]
        metadata: Metadata,
    },
    /// Remove top-level keys from the metadata.
    Remove {
        /// The model's name (or id).
        name: String,
        /// The keys to remove.
        #[arg(required = true)]
        keys: Vec<String>,
    },
}

/// `modelreg checkpoint ...`
#[derive(Debug, Subcommand)]
pub enum CheckpointCommand {
    /// Record a checkpoint (completed unless --state says otherwise).
    Create(Box<CreateCheckpointArgs>),
    /// Show a checkpoint.
    Describe {
        /// The checkpoint's uuid.
        uuid: String,
    },
    /// List checkpoints, oldest first.
    List,
    /// Upload a folder's files as a new checkpoint and print its uuid.
    Upload(Box<UploadArgs>),
    /// Download a checkpoint's files into a folder, checking every SHA-256.
    Download {
        /// The checkpoint's uuid.
        uuid: String,
        /// The folder to download into (created if missing).
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
    /// List a checkpoint's files with their sizes and SHA-256.
    Files {
        /// The checkpoint's uuid.
        uuid: String,
    },
    /// Register an external checkpoint whose files stay at a URI (s3://, file://, ...).
    RegisterExternal(RegisterExternalArgs),
    /// Delete a checkpoint that no model version references, with its files.
    Delete {
        /// The checkpoint's uuid.
        uuid: String,
    },
}

/// `modelreg checkpoint upload`
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The folder whose files make the checkpoint (symbolic links are followed).
    pub dir: PathBuf,
    /// Metadata, a JSON object (e.g. steps_completed).
    #[arg(long, value_parser = parse_object)]
    pub metadata: Option<Metadata>,
    /// The framework that wrote the files, e.g. torch-2.4 (recorded as metadata.framework).
    #[arg(long)]
    pub framework: Option<String>,
    /// The files' format, e.g. safetensors (recorded as metadata.format).
    #[arg(long)]
    pub format: Option<String>,
    /// Training metadata, a JSON object (trialId, experimentId, experimentConfig, hparams, ...).
    #[arg(long, value_parser = parse_training)]
    pub training: Option<CheckpointTraining>,
    /// The task that wrote the files.
    #[arg(long)]
    pub task_id: Option<String>,
    /// The uuid; a new one is generated when absent.
    #[arg(long)]
    pub uuid: Option<String>,
}

/// `modelreg checkpoint register-external`
#[derive(Debug, Args)]
pub struct RegisterExternalArgs {
    /// Where the files are, e.g. s3://bucket/run-7/.
    pub uri: String,
    /// Its files, a JSON object of path -> size in bytes.
    #[arg(long, value_parser = parse_resources)]
    pub resources: Option<BTreeMap<String, i64>>,
    /// Metadata, a JSON object (e.g. framework, format).
    #[arg(long, value_parser = parse_object)]
    pub metadata: Option<Metadata>,
}

/// `modelreg checkpoint create`
#[derive(Debug, Args)]
pub struct CreateCheckpointArgs {
    /// The uuid; a new one is generated when absent.
    #[arg(long)]
    pub uuid: Option<String>,
    /// The task that wrote it.
    #[arg(long)]
    pub task_id: Option<String>,
    /// Metadata, a JSON object (e.g. framework, format, steps_completed).
    #[arg(long, value_parser = parse_object)]
    pub metadata: Option<Metadata>,
    /// Its files, a JSON object of path -> size in bytes.
    #[arg(long, value_parser = parse_resources)]
    pub resources: Option<BTreeMap<String, i64>>,
    /// Training metadata, a JSON object (trialId, experimentId, experimentConfig, hparams, ...).
    #[arg(long, value_parser = parse_training)]
    pub training: Option<CheckpointTraining>,
    /// The state.
    #[arg(long, value_enum)]
    pub state: Option<StateArg>,
}

/// Sort keys of `model list`, named as `det model list` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// By name.
    Name,
    /// By description.
    Description,
    /// By creation time.
    #[value(name = "creation_time", alias = "creation-time")]
    CreationTime,
    /// By last update time.
    #[value(name = "last_updated_time", alias = "last-updated-time")]
    LastUpdatedTime,
    /// By number of versions.
    #[value(name = "num_versions", alias = "num-versions")]
    NumVersions,
}

impl From<SortKey> for ModelSortBy {
    fn from(key: SortKey) -> ModelSortBy {
        match key {
            SortKey::Name => ModelSortBy::Name,
            SortKey::Description => ModelSortBy::Description,
            SortKey::CreationTime => ModelSortBy::CreationTime,
            SortKey::LastUpdatedTime => ModelSortBy::LastUpdatedTime,
            SortKey::NumVersions => ModelSortBy::NumVersions,
        }
    }
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl From<Order> for OrderBy {
    fn from(order: Order) -> OrderBy {
        match order {
            Order::Asc => OrderBy::Asc,
            Order::Desc => OrderBy::Desc,
        }
    }
}

/// Checkpoint states, for `checkpoint create --state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// Being written.
    Active,
    /// Complete.
    Completed,
    /// Failed.
    Error,
}

impl From<StateArg> for CheckpointState {
    fn from(state: StateArg) -> CheckpointState {
        match state {
            StateArg::Active => CheckpointState::Active,
            StateArg::Completed => CheckpointState::Completed,
            StateArg::Error => CheckpointState::Error,
        }
    }
}

/// Parses a JSON object argument.
fn parse_object(text: &str) -> Result<Metadata, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("expected a JSON object, got {other}")),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

/// Parses `{"path": size, ...}`; sizes may be numbers or strings of digits.
fn parse_resources(text: &str) -> Result<BTreeMap<String, i64>, String> {
    let object = parse_object(text)?;
    object
        .into_iter()
        .map(|(path, size)| {
            let parsed = match &size {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            };
            match parsed {
                Some(n) if n >= 0 => Ok((path, n)),
                _ => Err(format!(
                    "the size of {path:?} must be a whole number of bytes, not {size}"
                )),
            }
        })
        .collect()
}

/// Parses training metadata in the API's shape.
fn parse_training(text: &str) -> Result<CheckpointTraining, String> {
    let object = parse_object(text)?;
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| format!("not training metadata: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("modelreg").chain(args.iter().copied()))
    }

    #[test]
    fn the_guides_list_command_parses() {
        let cli = parse(&[
            "model",
            "list",
            "--sort-by",
            "creation_time",
            "--order-by",
            "desc",
        ])
        .unwrap();
        let Command::Model(ModelCommand::List(args)) = cli.command else {
            panic!("{cli:?}")
        };
        assert_eq!(args.sort_by, Some(SortKey::CreationTime));
        assert_eq!(args.order_by, Order::Desc);
    }

    #[test]
    fn labels_split_on_commas_and_filters_repeat() {
        let cli = parse(&[
            "model",
            "create",
            "m",
            "--labels",
            "a,b",
            "--metadata",
            r#"{"k": 1}"#,
        ])
        .unwrap();
        let Command::Model(ModelCommand::Create(args)) = cli.command else {
            panic!()
        };
        assert_eq!(args.labels, vec!["a", "b"]);
        assert_eq!(args.metadata.unwrap()["k"], 1);
        let cli = parse(&[
            "model",
            "list",
            "--label",
            "a",
            "--label",
            "b",
            "--archived",
            "false",
        ])
        .unwrap();
        let Command::Model(ModelCommand::List(args)) = cli.command else {
            panic!()
        };
        assert_eq!(args.labels, vec!["a", "b"]);
        assert_eq!(args.archived, Some(false));
    }

    #[test]
    fn bad_json_is_a_usage_error() {
        let err = parse(&["model", "metadata", "add", "m", "[1]"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(err.to_string().contains("expected a JSON object"), "{err}");
        assert!(parse(&["model", "create", "m", "--metadata", "{nope"]).is_err());
    }

    #[test]
    fn resources_take_numbers_or_strings() {
        assert_eq!(
            parse_resources(r#"{"a.pt": 12, "b.pt": "34"}"#).unwrap(),
            BTreeMap::from([("a.pt".to_string(), 12), ("b.pt".to_string(), 34)])
        );
        assert!(parse_resources(r#"{"a.pt": -1}"#).is_err());
        assert!(parse_resources(r#"{"a.pt": "big"}"#).is_err());
    }

    #[test]
    fn transfers_take_a_folder_and_an_output() {
        let cli = parse(&[
            "checkpoint",
            "upload",
            "./ckpt",
            "--framework",
            "torch-2.4",
            "--format",
            "pt",
            "--metadata",
            r#"{"steps_completed": 5}"#,
        ])
        .unwrap();
        let Command::Checkpoint(CheckpointCommand::Upload(args)) = cli.command else {
            panic!()
        };
        assert_eq!(args.dir, PathBuf::from("./ckpt"));
        assert_eq!(args.framework.as_deref(), Some("torch-2.4"));
        assert_eq!(args.metadata.unwrap()["steps_completed"], 5);
        let cli = parse(&["model", "download", "m", "--version", "3", "-o", "out"]).unwrap();
        let Command::Model(ModelCommand::Download {
            version, output, ..
        }) = cli.command
        else {
            panic!()
        };
        assert_eq!((version, output), (Some(3), PathBuf::from("out")));
        assert!(
            parse(&["checkpoint", "download", "u"]).is_err(),
            "-o is required"
        );
    }

    #[test]
    fn global_flags_go_anywhere() {
        let cli = parse(&[
            "model",
            "list",
            "--json",
            "--server",
            "http://h:1",
            "-u",
            "admin",
        ])
        .unwrap();
        assert!(cli.json);
        assert_eq!(cli.server, "http://h:1");
        assert_eq!(cli.user, "admin");
    }
}
