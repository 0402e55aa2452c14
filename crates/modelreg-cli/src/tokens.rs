//! The token cache: one session token per server, in
//! `<config dir>/modelreg/tokens.json`, so that each command need not log in.

use crate::error::{CliError, CliResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A cached session: who it is for, and the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    /// The user the token belongs to.
    pub username: String,
    /// The session token.
    pub token: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenFile {
    #[serde(default)]
    servers: BTreeMap<String, CachedToken>,
}

/// The token cache file of one configuration directory.
#[derive(Debug, Clone)]
pub struct TokenCache {
    path: PathBuf,
}

/// The key a server's token is kept under: its URL without trailing slashes.
fn server_key(server: &str) -> String {
    server.trim().trim_end_matches('/').to_string()
}

impl TokenCache {
    /// The cache in a configuration directory (the file need not exist yet).
    pub fn in_dir(dir: &Path) -> TokenCache {
        TokenCache {
            path: dir.join("tokens.json"),
        }
    }

    /// The file the tokens are kept in.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> CliResult<TokenFile> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                CliError::Config(format!(
                    "the token cache {} is unreadable ({e}); delete it to log in afresh",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(e) => Err(self.io_error("read", e)),
        }
    }

    fn save(&self, file: &TokenFile) -> CliResult<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io_error("create the folder of", e))?;
        let text = serde_json::to_vec_pretty(file).expect("the token file serializes");
        // Write a private temporary file, then rename it over the old one, so a
        // reader never sees half a file and the tokens are never world-readable.
        let tmp = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&tmp).and_then(|mut f| f.write_all(&text));
        written
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                self.io_error("write", e)
            })
    }

    fn io_error(&self, what: &str, e: std::io::Error) -> CliError {
        CliError::Config(format!(
            "cannot {what} the token cache {}: {e}",
            self.path.display()
        ))
    }

    /// The cached token for a server, if any.
    pub fn get(&self, server: &str) -> CliResult<Option<CachedToken>> {
        Ok(self.load()?.servers.remove(&server_key(server)))
    }

    /// Caches a token for a server, replacing any other for that server.
    pub fn put(&self, server: &str, entry: CachedToken) -> CliResult<()> {
        let mut file = self.load()?;
        file.servers.insert(server_key(server), entry);
        self.save(&file)
    }

    /// Forgets the token for a server; returns what was cached.
    pub fn remove(&self, server: &str) -> CliResult<Option<CachedToken>> {
        let mut file = self.load()?;
        let removed = file.servers.remove(&server_key(server));
        if removed.is_some() {
            self.save(&file)?;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: &str, token: &str) -> CachedToken {
        CachedToken {
            username: user.into(),
            token: token.into(),
        }
    }

    #[test]
    fn tokens_are_kept_per_server_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::in_dir(&dir.path().join("modelreg"));
        assert_eq!(cache.get("http://a:1").unwrap(), None);
        cache.put("http://a:1/", entry("determined", "t1")).unwrap();
        cache.put("http://b:2", entry("admin", "t2")).unwrap();

        let again = TokenCache::in_dir(&dir.path().join("modelreg"));
        assert_eq!(
            again.get("http://a:1").unwrap(),
            Some(entry("determined", "t1"))
        );
        assert_eq!(
            again.get("http://b:2/").unwrap(),
            Some(entry("admin", "t2"))
        );

        again.put("http://a:1", entry("admin", "t3")).unwrap();
        assert_eq!(cache.get("http://a:1").unwrap(), Some(entry("admin", "t3")));
        assert_eq!(
            cache.remove("http://a:1").unwrap(),
            Some(entry("admin", "t3"))
        );
        assert_eq!(cache.get("http://a:1").unwrap(), None);
        assert_eq!(cache.get("http://b:2").unwrap(), Some(entry("admin", "t2")));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::in_dir(dir.path());
        cache.put("http://a:1", entry("u", "t")).unwrap();
        let mode = std::fs::metadata(cache.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::in_dir(dir.path());
        std::fs::write(cache.path(), "not json").unwrap();
        let err = cache.get("http://a:1").unwrap_err().to_string();
        assert!(
            err.contains("tokens.json") && err.contains("unreadable"),
            "{err}"
        );
    }
}
