//! Settings and the logged-in session the commands run in.

use crate::cli::Cli;
use crate::error::{CliError, CliResult};
use crate::tokens::{CachedToken, TokenCache};
use modelreg_client::blocking::Client;
use std::path::PathBuf;

/// Everything a command needs to know besides its own arguments.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The registry's URL.
    pub server: String,
    /// The user to act as.
    pub user: String,
    /// That user's password (empty for the built-in users).
    pub password: String,
    /// Where the token cache lives.
    pub config_dir: PathBuf,
    /// Print the API's JSON instead of tables.
    pub json: bool,
}

impl Settings {
    /// Settings from the command line and the environment (`MODELREG_PASSWORD`,
    /// `MODELREG_CONFIG_DIR`); `env` looks a variable up.
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
            config_dir,
            json: cli.json,
        })
    }

    /// The token cache of these settings.
    pub fn token_cache(&self) -> TokenCache {
        TokenCache::in_dir(&self.config_dir)
    }

    /// Logs in afresh and caches the new token.
    pub fn login(&self) -> CliResult<Client> {
        let client = Client::login(&self.server, &self.user, &self.password)?;
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
    /// Opens a session: the cached token, or a login whose token is cached.
    pub fn open(settings: &Settings) -> CliResult<Session> {
        let cached = settings
            .token_cache()
            .get(&settings.server)?
            .filter(|entry| entry.username == settings.user);
        let (client, from_cache) = match cached {
            Some(entry) => (Client::with_token(&settings.server, entry.token)?, true),
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
            Err(err) if err.is_unauthenticated() && self.from_cache => {
                self.client = self.settings.login()?;
                self.from_cache = false;
                command(&self.client)
            }
            other => other,
        }
    }
}
