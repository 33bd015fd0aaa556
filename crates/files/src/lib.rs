//! awscred-files: the local effects both awscred drivers share, and one executor for them.
//!
//! The core decides *what* to read, write, lock and run; [`LocalEffects`] (in [`executor`])
//! carries those steps out for every driver, keeping their state (the locks held, the OAuth
//! callback listener) and tracing them alike. The functions below do the work the way
//! credential caches need: files readable by their owner only, replaced atomically so that a
//! concurrent reader — awscred, the AWS CLI or an SDK — sees the old file or the new one and
//! never half of one, and an advisory lock so that several processes refreshing the same token
//! do it once. Blocking `std` only; async drivers call it from a blocking task.
//!
//! # The contract with other processes
//!
//! What another runtime must do the same way to share one `~/.aws` with awscred and the AWS CLI
//! (the repository's `docs/local-effects.md` gives the reasons and the AWS CLI's side):
//!
//! * **Write** ([`write_private_atomic`]): missing directories are created with mode `0700`
//!   (existing ones are left alone); the bytes go to a new file in the *same directory*, named
//!   `.<file name>.<pid>.<counter>.<nanoseconds>.tmp` and opened `O_CREAT | O_EXCL` with mode
//!   `0600`; it is flushed (`fsync`) and renamed over the target, then the directory is flushed
//!   (best effort). A reader sees the old file or the new one; the new one has mode `0600` and
//!   replaces a symbolic link rather than writing through it. On failure the temporary file is
//!   removed and the target is untouched. Other writers' temporary names must start with `.`
//!   or not end in `.json`, so that [`list_json`] skips them.
//! * **Lock** ([`FileLock`]): the SSO token refresh locks `<token file>.lock` (for example
//!   `~/.aws/sso/cache/<sha1>.json.lock`), opened `O_RDWR | O_CREAT` with mode `0600`, never
//!   written, never deleted. The lock is Rust's `File::lock`: an exclusive whole-file
//!   `flock(LOCK_EX)` on Unix, `LockFileEx` on Windows. Another runtime must take a `flock` on
//!   the same file — not a POSIX record lock (`fcntl`, `lockf`), which on Linux does not exclude
//!   a `flock`. It is held until `Unlock` or the end of the flow run, and released by the
//!   kernel if the process dies. The AWS CLI takes no such lock.
//! * **Read** ([`read_if_present`]) takes the whole file, following links; a missing file is
//!   `None`. An AWS CLI v2 process rewrites its cache files in place, so a reader may see one
//!   empty or half-written for a moment.
//! * **List** ([`list_json`]): regular `*.json` files directly in the directory, hidden ones
//!   excluded, sorted. **Remove** ([`remove_if_present`]): a missing file is success.

pub mod callback;
pub mod executor;
pub mod process;
pub mod random;

pub use executor::LocalEffects;
pub use random::jitter;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Reads a whole file; `Ok(None)` when it does not exist.
pub fn read_if_present(path: impl AsRef<Path>) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces `path` with `bytes`, atomically and privately.
///
/// Missing parent directories are created with mode 0700. The bytes go to a uniquely named
/// temporary file in the same directory, created with mode 0600, flushed to disk, then renamed
/// over `path` (so the result is 0600 even if the old file was not), and the directory entry is
/// flushed too. On failure the temporary file is removed and `path` is left as it was.
/// A symlink at `path` is replaced, not followed.
pub fn write_private_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    let path = path.as_ref();
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file path", path.display()),
        )
    })?;
    let dir = parent_dir(path);
    create_private_dir_all(dir)?;

    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".{}.tmp", unique_suffix()));
    let temp = dir.join(temp_name);

    let result = write_new_private(&temp, bytes)
        .and_then(|()| fs::rename(&temp, path).map_err(|e| with_path(e, "cannot replace", path)));
    if let Err(e) = result {
        // The temporary file may or may not exist by now; either way it must not linger.
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    sync_dir(dir);
    Ok(())
}

/// Creates `dir` and its missing parents with mode 0700 (existing ones are left alone).
pub fn create_private_dir_all(dir: impl AsRef<Path>) -> io::Result<()> {
    let dir = dir.as_ref();
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| with_path(e, "cannot create directory", dir))
}

/// Deletes a file; `Ok(false)` when there was none.
pub fn remove_if_present(path: impl AsRef<Path>) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The regular files named `*.json` directly in `dir`, sorted by name; empty when `dir` does
/// not exist. Hidden files (our temporary files among them) are skipped.
pub fn list_json(dir: impl AsRef<Path>) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        // A file that vanished between listing and stat is simply not listed.
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// An exclusive advisory lock on a lock file, held until dropped.
///
/// Other processes (and other `FileLock`s in this process) that lock the same file wait.
/// Only cooperating lockers are excluded: readers of the locked data never block.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Opens (creating it with mode 0600, and its directory with 0700, if needed) the lock
    /// file at `path` and waits until this process holds its exclusive lock.
    pub fn acquire(path: impl AsRef<Path>) -> io::Result<FileLock> {
        let path = path.as_ref();
        let file = open_lock_file(path)?;
        file.lock().map_err(|e| with_path(e, "cannot lock", path))?;
        Ok(FileLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Like [`FileLock::acquire`] but does not wait: `Ok(None)` when someone else holds it.
    pub fn try_acquire(path: impl AsRef<Path>) -> io::Result<Option<FileLock>> {
        let path = path.as_ref();
        let file = open_lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FileLock {
                file,
                path: path.to_path_buf(),
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(with_path(e, "cannot lock", path)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first just makes it prompt.
        let _ = self.file.unlock();
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    create_private_dir_all(parent_dir(path))?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map_err(|e| with_path(e, "cannot open lock file", path))
}

fn write_new_private(temp: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(temp)
        .map_err(|e| with_path(e, "cannot create temporary file", temp))?;
    file.write_all(bytes)
        .map_err(|e| with_path(e, "cannot write", temp))?;
    file.sync_all()
        .map_err(|e| with_path(e, "cannot flush", temp))
}

/// Flushes a directory entry change (the rename) to disk. Best effort: the rename has already
/// happened, some file systems refuse to sync directories, and failing the write now would
/// report an error for a file that is in place.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Unique among concurrent writers: the process id tells processes apart, the counter threads
/// of one process, and the clock a reused process id.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}.{n}.{nanos}", std::process::id())
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}
