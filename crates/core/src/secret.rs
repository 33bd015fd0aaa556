//! [`Secret`]: a string that never shows in `Debug` output.

use std::fmt;
use std::ops::Deref;

/// What `Debug` prints instead of a secret.
pub const REDACTED: &str = "** redacted **";

/// A secret string: an access or refresh token, a client secret, a session token, an MFA or
/// authorization code.
///
/// `Debug` prints `** redacted **` (or `""` for an empty value, so that "missing" stays
/// visible), which lets every type holding one derive `Debug`. There is deliberately no
/// `Display`: a secret becomes text only through [`Secret::expose`] (or `Deref` to `str`),
/// where the code plainly means to send or store it.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, to put on the wire or in a cache file.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret as an owned `String`.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { REDACTED })
    }
}

impl Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Secret {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Secret(value.clone())
    }
}

impl PartialEq<str> for Secret {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Secret {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Secret {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_but_shows_presence() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(
            format!("{:?}", Some(s.clone())),
            format!("Some({REDACTED})")
        );
        assert_eq!(format!("{:?}", Secret::default()), "\"\"");
        assert_eq!(format!("{s:#?}"), REDACTED);
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(s, "hunter2");
        assert_eq!(&*s, "hunter2");
        assert_eq!(s.len(), 7);
        assert_eq!(s.into_inner(), "hunter2");
    }
}
