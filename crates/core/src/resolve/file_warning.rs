//! What went wrong with a local file without failing the call: the caller still gets its
//! credentials, and should tell the user what the next run will need.

use std::fmt;
use std::path::PathBuf;

/// A local file that could not be saved, or was not used, during a resolution that still
/// succeeded. `Display` is one sentence naming the file, the reason and the fix; it never
/// contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWarning {
    /// What happened.
    pub kind: FileWarningKind,
    /// The file.
    pub path: PathBuf,
    /// The sentence to show.
    pub message: String,
}

/// Which kind of [`FileWarning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileWarningKind {
    /// The refreshed SSO token could not be saved. The service has already replaced the
    /// refresh token, so the next run needs a new login unless this is fixed.
    TokenNotSaved,
    /// The SSO token's lock file could not be opened (typically left by `sudo awscred`);
    /// another lock file was used.
    LockUnopenable,
    /// The SSO token's lock could not be taken in time; the current token, still valid, was
    /// used without a refresh.
    RefreshSkipped,
    /// A cache entry was not used: it could not be read, or another user could have written
    /// it. A request was made instead.
    CacheEntryIgnored,
    /// An AWS CLI cache entry could not be written. Nothing is lost: the next call makes its
    /// request again.
    CacheNotSaved,
}

impl FileWarningKind {
    /// Whether this is only worth a debug line: nothing is lost, only a cache is not filled.
    pub fn is_minor(self) -> bool {
        matches!(self, FileWarningKind::CacheNotSaved)
    }
}

impl FileWarning {
    pub(crate) fn new(kind: FileWarningKind, path: PathBuf, message: String) -> Self {
        FileWarning {
            kind,
            path,
            message,
        }
    }
}

impl fmt::Display for FileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
