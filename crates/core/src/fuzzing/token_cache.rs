//! Fuzz body for the `token_cache` target: the three cache-file readers.

use crate::registration::Registration;
use crate::token::CachedToken;

/// Feeds `data` to the SSO token, client registration and CLI credential cache parsers; what
/// parses must write back and parse again to the same value.
pub fn run(data: &[u8]) {
    if let Ok(token) = CachedToken::parse(data) {
        let again = CachedToken::parse(&token.to_json());
        assert!(
            again
                .as_ref()
                .is_ok_and(|t| t.access_token == token.access_token)
        );
    }
    if let Ok(reg) = Registration::parse(data) {
        let again = Registration::parse(&reg.to_json());
        assert!(again.as_ref().is_ok_and(|r| r.client_id == reg.client_id));
    }
    let _ = crate::cli_cache::parse_entry(data);
    let _ = crate::cli_cache::is_sso_entry(data);
}
