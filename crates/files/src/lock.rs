//! The inter-process lock around an SSO token refresh: an advisory `flock` on a lock file
//! beside the token, waited for at most a bounded time, with the holder's pid in the file so
//! that a waiter that gives up can say who it waited for.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::checked::{no_follow, open_no_follow};
use crate::{create_private_dir_all, parent_dir, with_path};

/// How long [`FileLock::acquire`] waits for another holder: a refresh takes well under a
/// second, and three attempts of a slow CreateToken stay below it only just; past this the
/// holder is stuck (a dead network, a stopped process) and waiting longer helps nobody.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);

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
    /// file at `path` and waits until this process holds its exclusive lock, at most
    /// [`DEFAULT_LOCK_WAIT`].
    ///
    /// Fails at once, with an error naming the file, when the lock file cannot be opened (a
    /// symbolic link, a directory, a file of another user's that we may not read); fails with
    /// [`io::ErrorKind::TimedOut`] and an error naming the holder's pid when the wait runs out.
    pub fn acquire(path: impl AsRef<Path>) -> io::Result<FileLock> {
        FileLock::acquire_within(path, DEFAULT_LOCK_WAIT)
    }

    /// [`FileLock::acquire`] with another bound on the wait.
    pub fn acquire_within(path: impl AsRef<Path>, wait: Duration) -> io::Result<FileLock> {
        let path = path.as_ref();
        let file = open_lock_file(path)?;
        let started = Instant::now();
        // `flock` has no timeout: poll, starting fast (a refresh is usually over in
        // milliseconds) and backing off so that a long wait costs little.
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock::held(file, path)),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(with_path(e, "cannot lock", path)),
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(held_too_long(path, &file, waited));
            }
            std::thread::sleep(pause.min(wait - waited));
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }

    /// Like [`FileLock::acquire`] but does not wait: `Ok(None)` when someone else holds it.
    pub fn try_acquire(path: impl AsRef<Path>) -> io::Result<Option<FileLock>> {
        let path = path.as_ref();
        let file = open_lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FileLock::held(file, path))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(with_path(e, "cannot lock", path)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn held(mut file: File, path: &Path) -> FileLock {
        // Best effort: a lock file we could only open read-only (another user's) still locks,
        // it just cannot name us to a waiter.
        let _ = write_pid(&mut file);
        FileLock {
            file,
            path: path.to_path_buf(),
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first just makes it prompt.
        let _ = self.file.unlock();
    }
}

/// The pid of the process that holds (or last held) the lock in `path`, as it wrote it.
pub fn lock_holder(path: impl AsRef<Path>) -> Option<u32> {
    let mut text = String::new();
    File::open(path)
        .ok()?
        .take(32)
        .read_to_string(&mut text)
        .ok()?;
    text.trim().parse().ok()
}

fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())
}

fn held_too_long(path: &Path, file: &File, waited: Duration) -> io::Error {
    let mut text = String::new();
    let holder = file
        .take(32)
        .read_to_string(&mut text)
        .ok()
        .and_then(|_| text.trim().parse::<u32>().ok())
        .or_else(|| lock_holder(path));
    let who = match holder {
        Some(pid) => format!("another awscred process (pid {pid})"),
        None => "another awscred process".to_string(),
    };
    let fix = match holder {
        Some(pid) => format!("wait for it to finish, or end it (`kill {pid}`), then try again"),
        None => "wait for it to finish, then try again".to_string(),
    };
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "{who} has held {} for {} s while refreshing the SSO token; it may be stuck on the \
             network: {fix}",
            path.display(),
            waited.as_secs()
        ),
    )
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    create_private_dir_all(parent_dir(path))?;
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    no_follow(&mut options);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match open_no_follow(path, &options, "lock file") {
        // A lock file of another user's that we may read (0644, left by `sudo awscred` of an
        // older version or another tool) still takes a `flock`, which needs no write access.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            let mut read_only = OpenOptions::new();
            read_only.read(true);
            no_follow(&mut read_only);
            open_no_follow(path, &read_only, "lock file").map_err(|_| {
                io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "{e}; it was probably left by `sudo awscred`: remove it (`sudo rm {}`)",
                        path.display()
                    ),
                )
            })
        }
        other => other,
    }
}
