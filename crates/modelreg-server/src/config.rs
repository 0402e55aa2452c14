//! Server configuration: every setting is a flag with an environment variable.

use clap::Parser;
use std::path::PathBuf;

/// Settings of one `modelreg-server` process.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "modelreg-server",
    version,
    about = "The modelreg model registry server"
)]
pub struct ServerConfig {
    /// Address and port to listen on.
    #[arg(long, env = "MODELREG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Folder for the SQLite file and checkpoint files.
    #[arg(long, env = "MODELREG_DATA_DIR", default_value = "./modelreg-data")]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://...`, `sqlite://PATH` or a file path.
    /// Defaults to `modelreg.db` in the data dir.
    #[arg(long, env = "MODELREG_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Largest accepted JSON request body, in bytes.
    #[arg(long, env = "MODELREG_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most database connections held open.
    #[arg(long, env = "MODELREG_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: u32,

    /// Seconds a request waits for a database connection before a 503.
    #[arg(long, env = "MODELREG_DB_TIMEOUT_SECS", default_value_t = 5)]
    pub db_timeout_secs: u64,

    /// Where checkpoint files go: empty for `<data-dir>/artifacts`, a folder
    /// (`file:///path` or a path), or `s3://bucket/prefix` (with the standard
    /// AWS variables for credentials and region).
    #[arg(long, env = "MODELREG_ARTIFACT_STORE", default_value = "")]
    pub artifact_store: String,

    /// Endpoint of a non-AWS S3-compatible store, e.g. `http://127.0.0.1:9000`.
    #[arg(long, env = "MODELREG_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// Largest accepted checkpoint file upload, in bytes (0: no limit).
    #[arg(long, env = "MODELREG_MAX_UPLOAD_BYTES", default_value_t = 0)]
    pub max_upload_bytes: u64,

    /// Uploads left in STATE_ACTIVE longer than this many seconds are deleted with their files.
    #[arg(long, env = "MODELREG_ABANDONED_UPLOAD_SECS", default_value_t = 24 * 3600)]
    pub abandoned_upload_secs: u64,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "MODELREG_WORKERS")]
    pub workers: Option<usize>,

    /// Milliseconds this process remembers who a token belongs to (0: ask the
    /// database on every request). Logouts, revocations and user changes
    /// made through this process apply at once; through another replica,
    /// within this time.
    #[arg(long, env = "MODELREG_AUTH_CACHE_MS", default_value_t = 1000)]
    pub auth_cache_ms: u64,

    /// Log one line per request (method, path, status, time) at info level,
    /// target `modelreg::access`. Off by default: it costs about 9% of a
    /// read's CPU, and a proxy in front usually keeps this log.
    #[arg(long, env = "MODELREG_ACCESS_LOG")]
    pub access_log: bool,

    /// Hours a login session lasts (API tokens have their own expiry).
    #[arg(long, env = "MODELREG_SESSION_HOURS", default_value_t = 7 * 24)]
    pub session_hours: u64,

    /// Listen on a non-loopback address even though some active users have
    /// blank passwords. Only for networks where everyone may act as them.
    #[arg(long, env = "MODELREG_ALLOW_BLANK_PASSWORDS")]
    pub allow_blank_passwords: bool,

    /// Sets the `admin` user's password at start, if it is still blank.
    #[arg(long, env = "MODELREG_INITIAL_ADMIN_PASSWORD", hide_env_values = true)]
    pub initial_admin_password: Option<String>,

    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, env = "MODELREG_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, env = "MODELREG_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl ServerConfig {
    /// A configuration with every default, for the given data dir.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> ServerConfig {
        let mut config = ServerConfig::parse_from(["modelreg-server"]);
        config.data_dir = data_dir.into();
        config
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => self
                .data_dir
                .join("modelreg.db")
                .to_string_lossy()
                .into_owned(),
        }
    }

    /// Opens the artifact store in effect.
    pub fn artifacts(&self) -> Result<crate::artifacts::Artifacts, String> {
        crate::artifacts::Artifacts::open(
            &self.artifact_store,
            &self.data_dir,
            self.s3_endpoint.as_deref(),
        )
    }

    /// The pool settings in effect.
    pub fn pool_options(&self) -> modelreg_store::PoolOptions {
        let timeout = std::time::Duration::from_secs(self.db_timeout_secs.max(1));
        modelreg_store::PoolOptions {
            max_size: self.db_pool_size.max(1),
            connection_timeout: timeout,
            busy_timeout: timeout,
            ..Default::default()
        }
    }
}
