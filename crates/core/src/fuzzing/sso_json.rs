//! Fuzz body for the `sso_json` target: every SSO portal parser over an arbitrary body, answered
//! once as a success and once as each error status the portal uses.

use std::time::SystemTime;

use http::{Response, StatusCode};

use crate::sso::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use crate::{Endpoint, Operation};

/// The statuses each body is replayed with.
const STATUSES: [u16; 4] = [200, 400, 401, 429];

/// Feeds `data` as the response body to every portal operation's parser.
pub fn run(data: &[u8]) {
    let endpoint = Endpoint {
        url: "https://portal.sso.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    };
    let token = crate::Secret::new("fuzz-token");
    let get = GetRoleCredentials {
        endpoint: endpoint.clone(),
        access_token: token.clone(),
        account_id: "123456789012".into(),
        role_name: "Role".into(),
    };
    let accounts = ListAccounts::new(endpoint.clone(), token.clone());
    let roles = ListAccountRoles::new(endpoint.clone(), token.clone(), "123456789012");
    let logout = Logout {
        endpoint,
        access_token: token,
    };
    for status in STATUSES {
        let mut response = Response::new(data.to_vec());
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        check(&get, &response);
        if let Ok(page) = accounts.parse(&response) {
            // Walking on must build a request for whatever token came back.
            if let Some(next) = accounts.next_page(&page) {
                let _ = next.request(SystemTime::UNIX_EPOCH);
            }
        }
        if let Ok(page) = roles.parse(&response)
            && let Some(next) = roles.next_page(&page)
        {
            let _ = next.request(SystemTime::UNIX_EPOCH);
        }
        check(&logout, &response);
    }
}

fn check<O: Operation>(op: &O, response: &Response<Vec<u8>>) {
    if let Err(e) = op.parse(response) {
        let _ = e.to_string();
    }
}
