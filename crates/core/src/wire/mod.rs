//! The two AWS wire protocols awscred speaks, as helpers the operations share: REST-JSON (the
//! SSO portal and SSO-OIDC) and Query with XML answers (STS). Each operation module keeps only
//! what is its own (paths, members, the answer's shape); how a request is put together and how
//! a body is read lives here once. Error answers of both are read by [`crate::wire_error`].

pub(crate) mod query_xml;
pub(crate) mod rest_json;

use crate::Error;

/// Refuses an empty input; `what` names it for the user (never its value).
pub(crate) fn require(value: &str, what: &str) -> Result<(), Error> {
    if value.is_empty() {
        Err(Error::InvalidInput(format!("{what} is empty")))
    } else {
        Ok(())
    }
}
