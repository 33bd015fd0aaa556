//! Checks made before anything irreversible: that the caches can be written (before a login
//! asks the user to approve anything) and that cached files can be removed (before logout calls
//! the service). A login approved in the browser whose token cannot be saved is wasted.

use std::path::Path;

use awscred_core::Error;

/// Creates `dir` if needed and checks that a file can be created and removed in it.
pub fn can_write(dir: &Path, what: &str) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| unwritable(dir, what, &e))?;
    probe(dir).map_err(|e| unwritable(dir, what, &e))
}

/// When `dir` exists, checks that files in it can be removed (a file can be created and removed
/// there). A missing directory holds nothing to remove.
pub fn can_remove_in(dir: &Path, what: &str) -> Result<(), Error> {
    if !dir.is_dir() {
        return Ok(());
    }
    probe(dir).map_err(|e| unwritable(dir, what, &e))
}

/// Removing a file needs write permission on its directory, as creating one does.
fn probe(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(".awscred-write-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)
}

fn unwritable(dir: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::Io {
        path: dir.display().to_string(),
        message: format!(
            "cannot {what} here ({e}); nothing was changed. Fix the permissions of this directory \
             (it should be yours, mode 700) and try again"
        ),
    }
}
