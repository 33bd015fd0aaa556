//! REST-JSON (botocore's `rest-json` protocol, as the SSO portal and SSO-OIDC use it): requests
//! to a path of a resolved endpoint with an optional JSON body, and success bodies read member
//! by member.

mod body;
mod request;

pub(crate) use body::{Object, parse_body};
pub(crate) use request::{build, json_body, secret_header, string_list};
