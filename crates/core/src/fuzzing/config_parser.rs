//! Fuzz body for the `config_parser` target: the bytes are read as a config file and as a
//! credentials file, merged, and every profile is planned and its endpoints selected.

use std::time::{Duration, UNIX_EPOCH};

use crate::Service;
use crate::config::{self, ConfigSet, Env, LoginTarget};

/// Feeds `data` to the parser, the merge and the planner.
pub fn run(data: &[u8]) {
    // Splitting at the first NUL lets one input drive both files differently.
    let (config, credentials) = match data.iter().position(|b| *b == 0) {
        Some(i) => (
            data.get(..i).unwrap_or_default(),
            data.get(i + 1..).unwrap_or_default(),
        ),
        None => (data, data),
    };
    let Ok(set) = ConfigSet::load(Some(("config", config)), Some(("credentials", credentials)))
    else {
        return;
    };
    let env = Env::from_pairs([
        ("AWS_ACCESS_KEY_ID", "AKIDFUZZ"),
        ("AWS_SECRET_ACCESS_KEY", "fuzz"),
    ]);
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let names: Vec<String> = set.profiles().map(|p| p.name().to_string()).collect();
    for name in &names {
        let _ = config::plan(&set, name, &env, now);
        let _ = config::sso_login_config(&set, LoginTarget::Profile(name));
        for service in [Service::Sso, Service::SsoOidc, Service::Sts] {
            let _ = config::endpoint_config(&env, &set, name, service, Some("us-east-1"));
        }
        if let Some(p) = set.profile(name) {
            for (key, _) in p.iter() {
                let _ = p.sub_properties(key);
            }
        }
    }
    let sessions: Vec<String> = set.sso_sessions().map(|s| s.name().to_string()).collect();
    for name in &sessions {
        let _ = config::sso_login_config(&set, LoginTarget::SsoSession(name));
    }
}
