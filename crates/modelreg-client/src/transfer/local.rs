//! The local side of transfers: walking a folder into checkpoint paths, and
//! turning checkpoint paths from a manifest back into safe local paths.

use crate::error::{ClientError, Result};
use std::io;
use std::path::{Component, Path, PathBuf};
use walkdir::WalkDir;

/// One regular file found in a folder to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalFile {
    /// The path inside the checkpoint: relative, `/`-separated.
    pub path: String,
    /// Where the file is on disk.
    pub file: PathBuf,
    /// Its size when the folder was walked.
    pub size: u64,
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ClientError + '_ {
    move |source| ClientError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Every regular file under `dir`, sorted by path. Symbolic links are
/// followed (a link counts as the file or folder it points to; a loop of
/// links is an error); other special files (sockets, pipes, devices) and
/// empty folders are skipped.
pub(crate) fn walk(dir: &Path) -> Result<Vec<LocalFile>> {
    let meta = std::fs::metadata(dir).map_err(io_error(dir))?;
    if !meta.is_dir() {
        return Err(ClientError::Io {
            path: dir.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a folder"),
        });
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| ClientError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir yields paths under its root");
        let size = entry
            .metadata()
            .map_err(|e| ClientError::Io {
                path: entry.path().to_path_buf(),
                source: e.into(),
            })?
            .len();
        files.push(LocalFile {
            path: checkpoint_path(relative)?,
            file: entry.path().to_path_buf(),
            size,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// A relative local path as a checkpoint path: its names joined with `/`.
fn checkpoint_path(relative: &Path) -> Result<String> {
    let mut names = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(name) => names.push(name.to_str().ok_or_else(|| {
                ClientError::InvalidInput(format!(
                    "the file name {relative:?} is not valid UTF-8; checkpoint paths are text"
                ))
            })?),
            other => {
                return Err(ClientError::InvalidInput(format!(
                    "unexpected {other:?} in the local path {relative:?}"
                )))
            }
        }
    }
    Ok(names.join("/"))
}

/// Where a file of a checkpoint goes under `dir`. The paths come from the
/// server, so anything that could leave `dir` (absolute paths, `..`,
/// backslashes, empty segments) is refused rather than trusted.
pub(crate) fn local_target(dir: &Path, path: &str) -> Result<PathBuf> {
    let unsafe_path = |why: &str| {
        Err(ClientError::Protocol(format!(
            "the server listed the unsafe file path {path:?}: {why}"
        )))
    };
    if path.is_empty() || path.contains('\0') {
        return unsafe_path("it is empty or contains NUL");
    }
    if path.contains('\\') || path.starts_with('/') {
        return unsafe_path("it is absolute or contains a backslash");
    }
    let mut target = dir.to_path_buf();
    for segment in path.split('/') {
        if matches!(segment, "" | "." | "..") {
            return unsafe_path("it has an empty, . or .. segment");
        }
        let name = Path::new(segment);
        if !matches!(name.components().next(), Some(Component::Normal(_)))
            || name.components().count() != 1
        {
            return unsafe_path("a segment is not a plain file name");
        }
        target.push(segment);
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_lists_regular_files_with_slash_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::create_dir_all(dir.path().join("empty")).unwrap();
        std::fs::write(dir.path().join("b/c/deep.bin"), b"12345").unwrap();
        std::fs::write(dir.path().join("a.txt"), b"").unwrap();
        let files = walk(dir.path()).unwrap();
        let paths: Vec<_> = files.iter().map(|f| (f.path.as_str(), f.size)).collect();
        assert_eq!(paths, vec![("a.txt", 0), ("b/c/deep.bin", 5)]);
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_followed_and_loops_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("weights.bin"), b"w").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("weights.bin"),
            dir.path().join("model.bin"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
        let paths: Vec<_> = walk(dir.path())
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(paths, vec!["linked/weights.bin", "model.bin"]);

        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        let err = walk(dir.path()).unwrap_err();
        assert!(matches!(err, ClientError::Io { .. }), "{err:?}");
    }

    #[test]
    fn a_missing_folder_or_a_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        for bad in [dir.path().join("missing"), file] {
            let err = walk(&bad).unwrap_err();
            assert!(err.to_string().contains(&*bad.to_string_lossy()), "{err}");
        }
    }

    #[test]
    fn manifest_paths_cannot_leave_the_target_folder() {
        let dir = Path::new("/target");
        assert_eq!(
            local_target(dir, "a/b c/d.bin").unwrap(),
            Path::new("/target/a/b c/d.bin")
        );
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            "a\\b",
            "a/",
            "nul\0",
        ] {
            let err = local_target(dir, bad).unwrap_err();
            assert!(matches!(err, ClientError::Protocol(_)), "{bad:?}: {err:?}");
        }
    }
}
