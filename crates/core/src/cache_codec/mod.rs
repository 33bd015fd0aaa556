//! What every cache file under `~/.aws` is read and written with: the SSO tokens and client
//! registrations of `~/.aws/sso/cache`, the AWS CLI's credential cache `~/.aws/cli/cache`, and
//! `credential_process` output. Reading is lenient (a JSON object, keys matched exactly or else
//! ignoring case, as aws-config does); writing and cache keys are Python's `json.dumps` byte for
//! byte ([`py_json`]) and SHA-1 hex, as the AWS CLI computes them.
//!
//! The codecs of the individual files ([`crate::token`], [`crate::registration`],
//! [`crate::cli_cache`]) build on this module and not on each other.

pub(crate) mod py_json;

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};

use crate::Error;

/// Lower-case hex SHA-1 of `bytes`: how the AWS CLI names its cache files.
pub(crate) fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// Parses `bytes` as a JSON object, describing (never quoting) what is wrong.
pub(crate) fn parse_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::InvalidInput(format!("{what}: not a JSON object"))),
        Err(e) => Err(Error::InvalidInput(format!(
            "{what}: not valid JSON ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))),
    }
}

/// Removes `name` from `map`: the exact key if present, else the first key equal to it ignoring
/// ASCII case. Every other case variant is removed too, so none lingers as an unknown key.
pub(crate) fn take_key(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let variants: Vec<String> = map
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name) && *k != name)
        .cloned()
        .collect();
    let mut found = map.remove(name);
    for k in variants {
        let v = map.remove(&k);
        if found.is_none() {
            found = v;
        }
    }
    found
}
