//! `modelreg checkpoint ...`

use super::{transfer, Ctx};
use crate::cli::{CheckpointCommand, CreateCheckpointArgs, RegisterExternalArgs};
use crate::error::CliResult;
use crate::output::{checkpoint_details, checkpoints_table, whole_list, write_json, write_table};
use modelreg_client::types::{CheckpointResponse, CheckpointsResponse, Empty};
use modelreg_client::{Checkpoint, CreateCheckpointRequest};
use std::io::Write;

/// Runs a `checkpoint` subcommand.
pub fn run(ctx: &Ctx, command: &CheckpointCommand, out: &mut dyn Write) -> CliResult<()> {
    match command {
        CheckpointCommand::Create(args) => create(ctx, args, out),
        CheckpointCommand::Describe { uuid } => describe(ctx, uuid, out),
        CheckpointCommand::List => list(ctx, out),
        CheckpointCommand::Upload(args) => transfer::upload(ctx, args, out),
        CheckpointCommand::Download { uuid, output } => transfer::download(ctx, uuid, output, out),
        CheckpointCommand::Files { uuid } => transfer::files(ctx, uuid, out),
        CheckpointCommand::RegisterExternal(args) => register_external(ctx, args, out),
        CheckpointCommand::Delete { uuid } => delete(ctx, uuid, out),
    }
}

fn write_checkpoint(ctx: &Ctx, checkpoint: Checkpoint, out: &mut dyn Write) -> CliResult<()> {
    if ctx.json {
        return write_json(out, &CheckpointResponse { checkpoint });
    }
    write_table(out, &checkpoint_details(&checkpoint))
}

/// `checkpoint create [--uuid U] [--metadata JSON] [--resources JSON] ...`
pub fn create(ctx: &Ctx, args: &CreateCheckpointArgs, out: &mut dyn Write) -> CliResult<()> {
    let checkpoint = ctx.client.create_checkpoint(CreateCheckpointRequest {
        uuid: args.uuid.clone(),
        task_id: args.task_id.clone(),
        resources: args.resources.clone().unwrap_or_default(),
        metadata: args.metadata.clone(),
        state: args.state.map(Into::into),
        training: args.training.clone(),
        ..CreateCheckpointRequest::default()
    })?;
    write_checkpoint(ctx, checkpoint, out)
}

/// `checkpoint describe UUID`
pub fn describe(ctx: &Ctx, uuid: &str, out: &mut dyn Write) -> CliResult<()> {
    let checkpoint = ctx.client.get_checkpoint(uuid)?;
    write_checkpoint(ctx, checkpoint, out)
}

/// `checkpoint list`: oldest first.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> CliResult<()> {
    let checkpoints = ctx.client.list_checkpoints()?;
    if ctx.json {
        let pagination = whole_list(checkpoints.len());
        return write_json(
            out,
            &CheckpointsResponse {
                checkpoints,
                pagination,
            },
        );
    }
    write_table(out, &checkpoints_table(&checkpoints))
}

/// `checkpoint register-external URI [--resources JSON] [--metadata JSON]`
pub fn register_external(
    ctx: &Ctx,
    args: &RegisterExternalArgs,
    out: &mut dyn Write,
) -> CliResult<()> {
    let checkpoint = ctx.client.register_external_checkpoint(
        &args.uri,
        args.resources.clone().unwrap_or_default(),
        args.metadata.clone(),
    )?;
    write_checkpoint(ctx, checkpoint, out)
}

/// `checkpoint delete UUID`: refused while a model version references it.
pub fn delete(ctx: &Ctx, uuid: &str, out: &mut dyn Write) -> CliResult<()> {
    ctx.client.delete_checkpoint(uuid)?;
    if ctx.json {
        return write_json(out, &Empty {});
    }
    writeln!(out, "Deleted checkpoint {uuid}.")?;
    Ok(())
}
