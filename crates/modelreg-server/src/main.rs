use clap::Parser;
use modelreg_server::{open_store, run, ServerConfig};
use std::net::TcpListener;
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MODELREG_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = ServerConfig::parse();
    match serve(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("modelreg-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(config: &ServerConfig) -> Result<(), String> {
    let store = open_store(config).map_err(|e| format!("cannot open the database: {e}"))?;
    let artifacts = config
        .artifacts()
        .map_err(|e| format!("cannot open the artifact store: {e}"))?;
    tracing::info!(artifacts = %artifacts.describe(), "checkpoint files");
    let listener = TcpListener::bind(&config.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    tracing::info!(
        bind = %config.bind,
        database = ?store.backend(),
        data_dir = %config.data_dir.display(),
        "modelreg-server ready; API docs at http://{}/docs/",
        config.bind
    );
    actix_web::rt::System::new()
        .block_on(async {
            let server = run(store, artifacts, config, listener)?;
            server.await
        })
        .map_err(|e| format!("server stopped: {e}"))
}
