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
//!   `0600` (and `O_NOFOLLOW`); it is renamed over the target as soon as it is written, and
//!   only then flushed (`fsync`, the file, then the directory, best effort; not for entries of
//!   the re-fetchable `cli/cache`) — so that a process
//!   killed in between leaves the new token in place rather than in an orphan (see
//!   [`write_private_atomic`] for the reasoning). A reader sees the old file or the new one; the
//!   new one has mode `0600` and replaces a symbolic link rather than writing through it. On failure the temporary file is
//!   removed and the target is untouched. Other writers' temporary names must start with `.`
//!   or not end in `.json`, so that [`list_json`] skips them.
//! * **Lock** ([`FileLock`]): the SSO token refresh locks `<token file>.lock` (for example
//!   `~/.aws/sso/cache/<sha1>.json.lock`), opened `O_RDWR | O_CREAT | O_NOFOLLOW` with mode
//!   `0600` (a non-regular file there is refused), never deleted; the holder writes its pid
//!   into it so that a waiter can name it. A waiter gives up after [`DEFAULT_LOCK_WAIT`]. When
//!   the lock file cannot be opened (say, left root-owned by `sudo`), every process of the user
//!   falls back to `<token file>.user.lock` instead. The lock is Rust's `File::lock`: an exclusive whole-file
//!   `flock(LOCK_EX)` on Unix, `LockFileEx` on Windows. Another runtime must take a `flock` on
//!   the same file — not a POSIX record lock (`fcntl`, `lockf`), which on Linux does not exclude
//!   a `flock`. It is held until `Unlock` or the end of the flow run, and released by the
//!   kernel if the process dies. The AWS CLI takes no such lock.
//! * **Read** ([`read_if_present`]) takes the whole file, following links; a missing file is
//!   `None`. An AWS CLI v2 process rewrites its cache files in place, so a reader may see one
//!   empty or half-written for a moment.
//! * **List** ([`list_json`]): regular `*.json` files directly in the directory, hidden ones
//!   excluded, sorted. **Remove** ([`remove_if_present`]): a missing file is success.
//!
//! The trusted roots of both drivers come from here too ([`network::trust_anchors`]): this crate
//! turns on the core's `mozilla-roots` feature and adds the OS store, so the core needs none.

pub mod callback;
mod checked;
pub mod executor;
mod lock;
pub mod network;
pub mod process;
pub mod random;

pub use executor::LocalEffects;
pub use random::jitter;

pub use checked::{CACHE_READ_LIMIT, CONFIG_READ_LIMIT, FileKind};
pub use lock::{DEFAULT_LOCK_WAIT, FileLock, lock_holder};

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use checked::{no_follow, open_no_follow, read_checked};

/// Reads a whole file; `Ok(None)` when it does not exist.
///
/// Only regular files are read (a FIFO or a device is an error, not a hang), at most
/// [`CONFIG_READ_LIMIT`] bytes of a config file and [`CACHE_READ_LIMIT`] of a cache entry;
/// a cache entry (see [`FileKind::of`]) that another user owns or could have replaced is
/// refused with an error that names it and the fix.
pub fn read_if_present(path: impl AsRef<Path>) -> io::Result<Option<Vec<u8>>> {
    let path = path.as_ref();
    read_checked(path, FileKind::of(path))
}

/// Replaces `path` with `bytes`, atomically and privately.
///
/// Missing parent directories are created with mode 0700. The bytes go to a uniquely named
/// temporary file `.<name>.<pid>.<n>.<nanos>.tmp` in the same directory (created with mode
/// 0600, never through a symbolic link), which is renamed over `path` (so the result is 0600
/// even if the old file was not), then flushed to disk with its directory entry (except an
/// entry of the AWS CLI's credential cache, which can be fetched again: see `needs_flush`). On
/// failure the temporary file is removed and `path` is left as it was. A symlink at `path` is
/// replaced, not followed.
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

    // The order is write, rename, then fsync — not the textbook write, fsync, rename.
    // What loses an SSO session in practice is a process killed (Ctrl-C, kill -9, a CI job
    // cancelled) after the service rotated the refresh token: the new token must become
    // visible under its real name as soon as the bytes are in the page cache, which a killed
    // process does not lose. An fsync before the rename takes milliseconds, up to seconds on a
    // busy disk, and a kill in that window left the new token in a temporary file nothing
    // read (the next run adopts such an orphan, see `list_orphans`, but it should not have to).
    // The fsync after the rename still makes the file durable against a power loss; in the
    // short window before it, a crash of the machine (not of the process) may leave the old
    // file or an empty one on some file systems — ext4 and XFS flush data replaced by a rename
    // anyway — which costs a login, as any client's crash would.
    let result = write_new_private(&temp, bytes).and_then(|file| {
        fs::rename(&temp, path)
            .map(|()| file)
            .map_err(|e| with_path(e, "cannot replace", path))
    });
    match result {
        Ok(file) => {
            // Best effort: the file is in place; an fsync error now would report a failed
            // write for a file that every reader already sees.
            if needs_flush(path) {
                let _ = file.sync_all();
                sync_dir(dir);
            }
            Ok(())
        }
        Err(e) => {
            // The temporary file may or may not exist by now; either way it must not linger.
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// The temporary files `write_private_atomic` leaves beside `path` when the process writing
/// it is killed before its rename (`.<name>.<anything>.tmp`, regular files only), sorted by
/// name. Whether one should replace `path` and when they are removed is the caller's decision.
pub fn list_orphans(path: impl AsRef<Path>) -> io::Result<Vec<PathBuf>> {
    let path = path.as_ref();
    let Some(file_name) = path.file_name() else {
        return Ok(Vec::new());
    };
    let prefix = format!(".{}.", file_name.to_string_lossy());
    let dir = parent_dir(path);
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(with_path(e, "cannot list", dir)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix)
            && name.ends_with(".tmp")
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
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

/// Creates `temp` (never an existing file, never through a link) with mode 0600 and writes
/// `bytes`, returning the open file for the caller to flush once it is in place.
fn write_new_private(temp: &Path, bytes: &[u8]) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    no_follow(&mut options);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = open_no_follow(temp, &options, "temporary file")?;
    file.write_all(bytes)
        .map_err(|e| with_path(e, "cannot write", temp))?;
    Ok(file)
}

/// Whether a write to `path` is flushed to disk (`fsync` of the file, then of its directory).
///
/// Everything is, except entries of the AWS CLI's credential cache (`<dir>/cli/cache/*`, where
/// `~/.aws/cli/cache` keeps SSO role and AssumeRole credentials). Such an entry can always be
/// fetched again from what *is* flushed (the SSO token, the source profile): losing it to a
/// machine crash costs one more call, or an empty or stale file that readers already treat as
/// a miss. Its two fsyncs, on the other hand, took 1–20 ms of every cold `awscred credentials`
/// on a busy disk (two loopback calls take ~0.2 ms); botocore's `JSONFileCache` does not fsync
/// these files either. The rename still makes the replacement atomic for concurrent readers.
/// An SSO token (`sso/cache`) carries a refresh token that only a new login can replace, so it
/// is flushed, as is every config or credentials file.
fn needs_flush(path: &Path) -> bool {
    let mut dirs = path.ancestors().skip(1).map(Path::file_name);
    let in_cli_cache = dirs.next().flatten().is_some_and(|d| d == "cache")
        && dirs.next().flatten().is_some_and(|d| d == "cli");
    !in_cli_cache
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

pub(crate) fn parent_dir(path: &Path) -> &Path {
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

pub(crate) fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::needs_flush;
    use std::path::Path;

    #[test]
    fn only_the_aws_cli_credential_cache_skips_the_fsync() {
        assert!(!needs_flush(Path::new("/h/.aws/cli/cache/0123abcd.json")));
        // The SSO token holds a refresh token: it is flushed, as are config files.
        assert!(needs_flush(Path::new("/h/.aws/sso/cache/0123abcd.json")));
        assert!(needs_flush(Path::new("/h/.aws/config")));
        assert!(needs_flush(Path::new("/h/.aws/credentials")));
        assert!(needs_flush(Path::new("/h/.aws/cache/x.json")));
        assert!(needs_flush(Path::new("cache/x.json")));
    }
}
