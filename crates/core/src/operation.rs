//! The one shape every AWS call has, so a driver needs a single generic `execute`.

use std::time::SystemTime;

use crate::Error;

/// One AWS call: builds its request and parses its response. No I/O happens here.
///
/// A driver runs any operation with the same few lines: build the request with the current
/// time (signed operations sign with it), send it, hand the response back to [`Operation::parse`],
/// and on error ask [`crate::retry`] whether to try again.
pub trait Operation {
    /// What a successful call returns.
    type Output;

    /// The operation's name as AWS spells it (`GetRoleCredentials`), for errors and logs.
    const NAME: &'static str;

    /// The HTTP request for this call at time `now`.
    fn request(&self, now: SystemTime) -> Result<http::Request<Vec<u8>>, Error>;

    /// Turns the service's answer (any status) into the output or a typed error.
    fn parse(&self, response: &http::Response<Vec<u8>>) -> Result<Self::Output, Error>;
}
