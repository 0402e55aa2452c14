use clap::{Parser, Subcommand};
use modelreg_server::admin::AdminCommand;
use modelreg_server::{check_exposure, open_store, run, ServerConfig};
use std::net::TcpListener;
use std::process::ExitCode;

/// The modelreg model registry server.
#[derive(Debug, Parser)]
#[command(
    name = "modelreg-server",
    version,
    about = "The modelreg model registry server"
)]
struct Cli {
    #[command(flatten)]
    config: ServerConfig,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Administer users offline, directly on the database.
    #[command(subcommand)]
    Admin(AdminCommand),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MODELREG_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Admin(command)) => {
            modelreg_server::admin::run(&cli.config, command, &mut std::io::stdout())
        }
        None => serve(&cli.config),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("modelreg-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: &ServerConfig) -> Result<(), String> {
    let store = open_store(config).map_err(|e| format!("cannot open the database: {e}"))?;
    check_exposure(config, &store)?;
    let artifacts = config
        .artifacts()
        .map_err(|e| format!("cannot open the artifact store: {e}"))?;
    let listener = TcpListener::bind(&config.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    let scheme = if config.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(
        bind = %config.bind,
        database = ?store.backend(),
        artifacts = %artifacts.describe(),
        "modelreg-server ready; API docs at {scheme}://{}/docs/",
        config.bind
    );
    actix_web::rt::System::new()
        .block_on(async {
            let server = run(store, artifacts, config, listener)?;
            server.await
        })
        .map_err(|e| format!("server stopped: {e}"))
}
