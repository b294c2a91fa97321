//! Finding programs: what counts as executable and the PATH search, shared by the agent
//! preflight, the email notifier's `sendmail` lookup and external plugins.

use std::path::{Path, PathBuf};

/// True for a regular file (after symlinks) with an execute bit set.
pub fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The first executable `name` in the directories of `$PATH`, then of `extra`.
pub fn on_path(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_plain_files_are_not_executable() {
        let d = tempfile::tempdir().unwrap();
        assert!(!is_executable(d.path()));
        let f = d.path().join("f");
        std::fs::write(&f, "").unwrap();
        assert!(!is_executable(&f));
        assert!(on_path("f", &[d.path().to_str().unwrap()]).is_none());
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(is_executable(&f));
        assert_eq!(on_path("f", &[d.path().to_str().unwrap()]), Some(f));
    }
}
