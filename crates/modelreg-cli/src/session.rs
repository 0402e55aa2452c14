//! Settings and the logged-in session the commands run in.

use crate::cli::Cli;
use crate::error::{CliError, CliResult};
use crate::tokens::{CachedToken, TokenCache};
use modelreg_client::blocking::Client;
use modelreg_client::ClientOptions;
use std::path::PathBuf;

/// Everything a command needs to know besides its own arguments.
#[derive(Clone)]
pub struct Settings {
    /// The registry's URL.
    pub server: String,
    /// The user to act as.
    pub user: String,
    /// That user's password (empty for the built-in users).
    pub password: String,
    /// An API token to act with instead of logging in (`MODELREG_TOKEN`).
    pub api_token: Option<String>,
    /// The password for `user create` and `user set-password`
    /// (`MODELREG_NEW_PASSWORD`); when absent, it is read from stdin.
    pub new_password: Option<String>,
    /// A PEM file of CA certificates to trust for HTTPS.
    pub ca_file: Option<PathBuf>,
    /// Where the token cache lives.
    pub config_dir: PathBuf,
    /// Print the API's JSON instead of tables.
    pub json: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a password or a token.
        f.debug_struct("Settings")
            .field("server", &self.server)
            .field("user", &self.user)
            .field("api_token", &self.api_token.as_ref().map(|_| "<hidden>"))
            .field("ca_file", &self.ca_file)
            .field("config_dir", &self.config_dir)
            .field("json", &self.json)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Settings from the command line and the environment (`MODELREG_PASSWORD`,
    /// `MODELREG_TOKEN`, `MODELREG_NEW_PASSWORD`, `MODELREG_CONFIG_DIR`);
    /// `env` looks a variable up.
    pub fn new(cli: &Cli, env: impl Fn(&str) -> Option<String>) -> CliResult<Settings> {
        let config_dir = match env("MODELREG_CONFIG_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs::config_dir()
                .map(|d| d.join("modelreg"))
                .ok_or_else(|| {
                    CliError::Config(
                        "no configuration folder is known here; set MODELREG_CONFIG_DIR".into(),
                    )
                })?,
        };
        Ok(Settings {
            server: cli.server.clone(),
            user: cli.user.clone(),
            password: env("MODELREG_PASSWORD").unwrap_or_default(),
            api_token: env("MODELREG_TOKEN")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            new_password: env("MODELREG_NEW_PASSWORD"),
            ca_file: cli.ca_file.clone().filter(|p| !p.as_os_str().is_empty()),
            config_dir,
            json: cli.json,
        })
    }

    /// How the client connects: the CA file, if any.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            ca_file: self.ca_file.clone(),
        }
    }

    /// A client that sends a token, connecting as these settings say.
    pub fn client_with_token(&self, token: impl Into<String>) -> CliResult<Client> {
        Ok(Client::connect_with_token(
            &self.server,
            token,
            &self.client_options(),
        )?)
    }

    /// The token cache of these settings.
    pub fn token_cache(&self) -> TokenCache {
        TokenCache::in_dir(&self.config_dir)
    }

    /// Logs in afresh and caches the new token.
    pub fn login(&self) -> CliResult<Client> {
        let client = Client::login_with(
            &self.server,
            &self.user,
            &self.password,
            &self.client_options(),
        )?;
        let token = client.token().unwrap_or_default().to_string();
        self.token_cache().put(
            &self.server,
            CachedToken {
                username: self.user.clone(),
                token,
            },
        )?;
        Ok(client)
    }
}

/// A client for the settings' server and user, from the cached token when
/// there is one for that user, else from a fresh login.
pub struct Session {
    settings: Settings,
    client: Client,
    from_cache: bool,
}

impl Session {
    /// Opens a session: the API token of `MODELREG_TOKEN` when set (no
    /// login, no cache), else the cached token, else a login whose token is
    /// cached.
    pub fn open(settings: &Settings) -> CliResult<Session> {
        if let Some(token) = &settings.api_token {
            return Ok(Session {
                settings: settings.clone(),
                client: settings.client_with_token(token.clone())?,
                from_cache: false,
            });
        }
        let cached = settings
            .token_cache()
            .get(&settings.server)?
            .filter(|entry| entry.username == settings.user);
        let (client, from_cache) = match cached {
            Some(entry) => (settings.client_with_token(entry.token)?, true),
            None => (settings.login()?, false),
        };
        Ok(Session {
            settings: settings.clone(),
            client,
            from_cache,
        })
    }

    /// Runs a command. When a cached token is refused (it expired, or the
    /// server lost its sessions), logs in again once and reruns the command;
    /// a refused token fails the first request, before anything changed.
    pub fn run<T>(&mut self, mut command: impl FnMut(&Client) -> CliResult<T>) -> CliResult<T> {
        match command(&self.client) {
            Err(err) if err.is_unauthenticated() && self.settings.api_token.is_some() => {
                Err(CliError::Config(format!(
                    "the API token in MODELREG_TOKEN was refused: {}",
                    err.one_line()
                )))
            }
            Err(err) if err.is_unauthenticated() && self.from_cache => {
                self.client = self.settings.login()?;
                self.from_cache = false;
                command(&self.client)
            }
            other => other,
        }
    }
}
