//! Opening files the way a credential cache must: never through a planted symbolic link when
//! creating or writing, only regular files (a FIFO would hang a read, `/dev/zero` would never
//! end), bounded reads, and — as OpenSSH does for `~/.ssh` — no trust in a cache entry that
//! another user owns or could have replaced.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The most awscred reads of a config or credentials file: far beyond any real one, small
/// enough that `AWS_CONFIG_FILE=/dev/zero` or a huge file cannot exhaust memory.
pub const CONFIG_READ_LIMIT: u64 = 16 << 20;

/// The most awscred reads of a cache entry (an SSO token, a client registration, an AWS CLI
/// credential cache entry, a temporary file of ours): real ones are a few KiB.
pub const CACHE_READ_LIMIT: u64 = 1 << 20;

/// Which rules a file read by [`crate::read_if_present`] is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// The shared config or credentials file (or anything else that is not a cache entry):
    /// a regular file of at most [`CONFIG_READ_LIMIT`] bytes.
    Config,
    /// A cache entry: a regular file of at most [`CACHE_READ_LIMIT`] bytes, owned by the
    /// current user, not writable by others, in a directory others cannot write to.
    Cache,
}

impl FileKind {
    /// The kind of `path`, from where awscred and the AWS CLI keep their caches: a `*.json`
    /// file (or one of our `.*.tmp` temporary files) directly in a directory named `cache`
    /// (`~/.aws/sso/cache`, `~/.aws/cli/cache`). The config and credentials files are never
    /// named so.
    pub fn of(path: &Path) -> FileKind {
        let in_cache_dir = path
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "cache");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let cache_name =
            name.ends_with(".json") || (name.starts_with('.') && name.ends_with(".tmp"));
        if in_cache_dir && cache_name {
            FileKind::Cache
        } else {
            FileKind::Config
        }
    }

    /// The read cap of this kind.
    pub fn limit(self) -> u64 {
        match self {
            FileKind::Config => CONFIG_READ_LIMIT,
            FileKind::Cache => CACHE_READ_LIMIT,
        }
    }
}

/// Reads `path` (following symbolic links: a config file linked from a dotfiles repository is
/// normal) if it is a regular file within the limits of `kind`; `Ok(None)` when it does not
/// exist.
pub(crate) fn read_checked(path: &Path, kind: FileKind) -> io::Result<Option<Vec<u8>>> {
    let mut options = OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading blocks until a writer appears; non-blocking, the open
    // returns at once and the type check below refuses it. Regular files ignore the flag.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        flag_bits(rustix::fs::OFlags::NONBLOCK),
    );
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    require_regular(path, &meta, "read")?;
    if kind == FileKind::Cache {
        require_trusted(path, &meta)?;
    }
    let limit = kind.limit();
    if meta.len() > limit {
        return Err(too_big(path, kind));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The size can change under us: read one byte past the cap to notice.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(path, kind));
    }
    Ok(Some(bytes))
}

fn too_big(path: &Path, kind: FileKind) -> io::Error {
    let (what, limit) = match kind {
        FileKind::Config => ("a config file", "16 MiB"),
        FileKind::Cache => ("a cache entry", "1 MiB"),
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is larger than {limit}, the most awscred reads of {what}: check that the path \
             names the file you mean",
            path.display()
        ),
    )
}

/// `O_NOFOLLOW` (and `O_NONBLOCK`, so that a FIFO planted at the path cannot block the open)
/// for files we create or open for writing: a symbolic link there fails the open instead of
/// making us write wherever it points.
pub(crate) fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        options,
        flag_bits(rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK),
    );
    #[cfg(not(unix))]
    let _ = options;
}

#[cfg(unix)]
fn flag_bits(flags: rustix::fs::OFlags) -> i32 {
    // The O_* values fit an `int` on every target (they are `int` in C).
    flags.bits() as i32
}

/// Opens `path` with `options` (which must include [`no_follow`]) and checks that it is a
/// regular file; `what` says what the file is for, in errors.
pub(crate) fn open_no_follow(path: &Path, options: &OpenOptions, what: &str) -> io::Result<File> {
    let file = options.open(path).map_err(|e| {
        if is_symlink_refusal(&e) {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link: awscred does not follow links for the {what} it \
                     creates or writes; remove the link",
                    path.display()
                ),
            )
        } else {
            crate::with_path(e, &format!("cannot open {what}"), path)
        }
    })?;
    let meta = file.metadata()?;
    require_regular(path, &meta, what)?;
    Ok(file)
}

fn is_symlink_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Refuses anything but a regular file.
pub(crate) fn require_regular(path: &Path, meta: &Metadata, what: &str) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {}, not a regular file: awscred uses only regular files for the {what}; \
             remove it or point awscred at the right file",
            path.display(),
            describe_type(meta)
        ),
    ))
}

fn describe_type(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// OpenSSH's rule for the files it trusts, applied to cache entries: owned by the current
/// user, not writable by others, in a directory that only its owner (the user, or root) can
/// write to. Another user who could write the entry could hand us their credentials, or read
/// ours. Group-writable directories are accepted: with the usual umask 002 and per-user
/// groups the AWS CLI creates `~/.aws/sso/cache` 0775, and refusing it would break every
/// such user; world-writable ones are not.
pub(crate) fn require_trusted(path: &Path, meta: &Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(untrusted(format!(
                "{} is owned by uid {}, not by you (uid {me}): awscred does not use a cache \
                 entry another user could have written; if you did not put it there, remove \
                 it (`rm {}`)",
                path.display(),
                meta.uid(),
                path.display()
            )));
        }
        if meta.mode() & 0o002 != 0 {
            return Err(untrusted(format!(
                "{} can be written by every user (mode {:o}): awscred does not use it; run \
                 `chmod 600 {}`",
                path.display(),
                meta.mode() & 0o777,
                path.display()
            )));
        }
        let dir = crate::parent_dir(path);
        let dir_meta = std::fs::metadata(dir)?;
        // Sticky or not: in a world-writable directory anyone can plant the next entry's name.
        if dir_meta.mode() & 0o002 != 0 {
            return Err(untrusted(format!(
                "{} is in {}, which every user can write to (mode {:o}): awscred does not use \
                 cache entries there; run `chmod 700 {}`",
                path.display(),
                dir.display(),
                dir_meta.mode() & 0o7777,
                dir.display()
            )));
        }
        if dir_meta.uid() != me && dir_meta.uid() != 0 {
            return Err(untrusted(format!(
                "{} is in {}, which is owned by uid {}, not by you (uid {me}): awscred does not \
                 use cache entries there; run `chown {me} {}` and `chmod 700 {}`",
                path.display(),
                dir.display(),
                dir_meta.uid(),
                dir.display(),
                dir.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, meta);
    Ok(())
}

#[cfg(unix)]
fn untrusted(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, message)
}
