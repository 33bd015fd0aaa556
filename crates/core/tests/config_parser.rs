//! The config/credentials parser and merge: the cross-SDK parser suite, file locations,
//! warnings, every parse error, and property tests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use awscred_core::Error;
use awscred_core::config::{
    ConfigSet, Env, FileKind, Platform, config_paths, parse, select_profile,
};
use proptest::prelude::*;
use serde_json::Value;

/// The shared test data; `AWSCRED_TESTDATA` overrides the location (worktrees sit elsewhere).
fn testdata(file: &str) -> Option<Value> {
    let dir = std::env::var_os("AWSCRED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        });
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).expect("test data is JSON")),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "test data missing at {}: {e}",
                path.display()
            );
            eprintln!("skipping: no test data at {} ({e})", path.display());
            None
        }
    }
}

/// Cases of profile-parser-tests.json where awscred deliberately differs, because the AWS CLI v2
/// accepts the input (docs/config-files.md §3, docs/divergences.md). Each is still run: the test checks what awscred does instead.
const CLI_COMPATIBLE_EXCEPTIONS: &[(&str, &str)] = &[(
    "Property definitions must contain an equals sign.",
    "the AWS CLI (Python configparser) accepts `key : value`; awscred reads it as key = value and warns",
)];

fn load(config: Option<&str>, credentials: Option<&str>) -> Result<ConfigSet, Error> {
    ConfigSet::load(
        config.map(|t| ("config", t.as_bytes())),
        credentials.map(|t| ("credentials", t.as_bytes())),
    )
}

fn as_json(set: &ConfigSet) -> (Value, Value) {
    let profiles: serde_json::Map<String, Value> = set
        .profiles()
        .map(|p| {
            let values = p
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            (p.name().to_string(), Value::Object(values))
        })
        .collect();
    let sessions: serde_json::Map<String, Value> = set
        .sso_sessions()
        .map(|p| {
            let values = p
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            (p.name().to_string(), Value::Object(values))
        })
        .collect();
    (Value::Object(profiles), Value::Object(sessions))
}

#[test]
fn cross_sdk_parser_suite() {
    let Some(suite) = testdata("profile/profile-parser-tests.json") else {
        return;
    };
    let tests = suite["tests"].as_array().expect("tests");
    assert!(tests.len() > 50, "suite looks truncated");
    let mut exceptions_seen = 0;
    for case in tests {
        let name = case["name"].as_str().expect("name");
        let result = load(
            case["input"]["configFile"].as_str(),
            case["input"]["credentialsFile"].as_str(),
        );
        if let Some((_, reason)) = CLI_COMPATIBLE_EXCEPTIONS.iter().find(|(n, _)| *n == name) {
            exceptions_seen += 1;
            let set = result.unwrap_or_else(|e| panic!("{name} ({reason}): {e}"));
            assert_eq!(
                set.profile("foo").and_then(|p| p.get("key")),
                Some("value"),
                "{name}"
            );
            assert!(
                set.warnings
                    .iter()
                    .any(|w| w.message.contains("uses `:` instead of `=`")),
                "{name}"
            );
            continue;
        }
        let output = &case["output"];
        if let Some(expected) = output["errorContaining"].as_str() {
            match result {
                Err(Error::Config(message)) => {
                    assert!(
                        message.contains(expected),
                        "{name}: `{message}` lacks `{expected}`"
                    );
                    assert!(
                        message.starts_with("config:") || message.starts_with("credentials:"),
                        "{message}"
                    );
                }
                other => panic!("{name}: expected an error containing `{expected}`, got {other:?}"),
            }
            continue;
        }
        let set = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let (profiles, sessions) = as_json(&set);
        assert_eq!(profiles, output["config"]["profiles"], "{name}");
        if let Some(expected) = output["config"].get("sso_sessions") {
            assert_eq!(&sessions, expected, "{name}");
        }
    }
    assert_eq!(
        exceptions_seen,
        CLI_COMPATIBLE_EXCEPTIONS.len(),
        "an exception no longer matches a case"
    );
}

#[test]
fn file_location_suite() {
    let Some(suite) = testdata("profile/file-location-tests.json") else {
        return;
    };
    for case in suite["tests"].as_array().expect("tests") {
        let name = case["name"].as_str().expect("name");
        let env = Env::from_pairs(
            case["environment"]
                .as_object()
                .expect("environment")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())),
        );
        let platform = match case["platform"].as_str() {
            Some("windows") => Platform::Windows,
            _ => Platform::Unix,
        };
        let paths = config_paths(&env, platform).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            paths.config,
            PathBuf::from(case["configLocation"].as_str().expect("config")),
            "{name}"
        );
        assert_eq!(
            paths.credentials,
            PathBuf::from(case["credentialsLocation"].as_str().expect("creds")),
            "{name}"
        );
        if let Some(profile) = case["profile"].as_str() {
            assert_eq!(select_profile(&env, None), profile, "{name}");
        }
    }
}

#[test]
fn windows_cache_dirs_use_backslashes() {
    let env = Env::from_pairs([("HOMEDRIVE", "C:"), ("HOMEPATH", "\\Users\\me")]);
    let paths = config_paths(&env, Platform::Windows).unwrap();
    assert_eq!(
        paths.sso_cache,
        PathBuf::from("C:\\Users\\me\\.aws\\sso\\cache")
    );
    assert_eq!(
        paths.cli_cache,
        PathBuf::from("C:\\Users\\me\\.aws\\cli\\cache")
    );
    let e = config_paths(&Env::default(), Platform::Windows).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot find the home directory: set HOME or USERPROFILE"
    );
}

/// Every parse error names the file and line, with the message the cross-SDK spec uses.
#[test]
fn parse_errors_name_file_and_line() {
    let cases: &[(&str, &str)] = &[
        (
            "[default]\nregion = x\n[profile foo\n",
            "cfg:3: Profile definition must end with ']'",
        ),
        (
            "\n# c\nregion = x\n",
            "cfg:3: Expected a profile definition (a `[section]` line) before this line",
        ),
        ("[default]\n= x\n", "cfg:2: Property did not have a name"),
        (
            "[default]\nregion\n",
            "cfg:2: Expected an '=' sign defining a property",
        ),
        (
            "[default]\n  -continued\n",
            "cfg:2: Expected a property definition, found continuation (an indented line with no property above it)",
        ),
        (
            "[default]\ns3 =\n  bad\n",
            "cfg:3: Expected an '=' sign defining a sub-property",
        ),
        (
            "[default]\ns3 =\n  a = 1\n  = 2\n",
            "cfg:4: Sub-property did not have a name",
        ),
    ];
    for (text, expected) in cases {
        let e = parse("cfg", text, FileKind::Config).unwrap_err();
        assert_eq!(e, Error::Config(expected.to_string()), "{text:?}");
    }
    let e = ConfigSet::load(
        None,
        Some(("/home/u/.aws/credentials", b"[a]\n\nx = \xc3\x28")),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "/home/u/.aws/credentials:3: the file is not valid UTF-8; save it as UTF-8 text"
    );
}

/// What the AWS CLI reads differently gets a warning that names file and line.
#[test]
fn warnings_where_the_cli_differs() {
    let config = "[profile a]\nregion = us-east-1 # prod\nregion = eu-west-1\n[profile a]\nx = 1\n[DEFAULT]\n\
                  y = 2\n[profile bad name]\n[default]\nz = 1\n[profile default]\nz = 2\n[profile b] junk\nBad Key = 1\n";
    let set = load(Some(config), None).unwrap();
    let w: Vec<String> = set.warnings.iter().map(|w| w.to_string()).collect();
    let expect = [
        "config:2: the AWS CLI keeps the inline comment in the value of `region`; awscred drops it. Move the comment to a line of its own",
        "config:3: `region` is already set in [profile a] on line 2: awscred uses this later value, but the AWS CLI refuses a file with a duplicate key",
        "config:4: [profile a] already appears on line 1: awscred merges the two (the last value of a key wins) but the AWS CLI refuses a file with a duplicate section",
        "config:6: the AWS CLI copies the keys of [DEFAULT] into every profile; awscred does not. Move them into the profiles that need them",
        "config:8: [profile bad name] is ignored: the name `bad name` may only use letters, digits and - / . % @ _ : +",
        "config:13: text after `[profile b]` is ignored",
        "config:14: `bad key` in [profile b] is ignored: keys may only use letters, digits and - / . % @ _ +",
        "config: both [default] and [profile default] are set: awscred uses [profile default] (the AWS CLI uses whichever comes last); remove one",
    ];
    assert_eq!(w, expect);
    assert_eq!(set.profile("a").unwrap().get("region"), Some("eu-west-1"));
    assert_eq!(set.profile("a").unwrap().get("x"), Some("1"));
    assert_eq!(set.profile("default").unwrap().get("z"), Some("2"));
    assert!(set.profile("DEFAULT").is_none());
    // Warnings never carry values (they may be secrets).
    let set = load(
        None,
        Some("[a]\naws_secret_access_key = SECRETSECRET # c\n"),
    )
    .unwrap();
    assert!(
        set.warnings
            .iter()
            .all(|w| !w.to_string().contains("SECRETSECRET"))
    );
    assert_eq!(
        set.profile("a").unwrap().get("aws_secret_access_key"),
        Some("SECRETSECRET")
    );
    assert!(!format!("{set:?}").contains("SECRETSECRET"));
}

#[test]
fn cli_syntax_is_accepted() {
    let config = "\u{feff}[profile a]\n  ; indented comment\n  region: us-east-1\n\
                  [sso-session s]\nsso_start_url = https://x/start\n    # comment in a value\n    ; another\n\
                  [services svc]\nsts =\n  endpoint_url = http://localhost:1\n  # c\n\n  other = 2\n\
                  [profile q]\nr=\"quoted\"\n";
    let set = load(Some(config), None).unwrap();
    assert_eq!(set.profile("a").unwrap().get("region"), Some("us-east-1"));
    assert_eq!(
        set.sso_session("s").unwrap().get("sso_start_url"),
        Some("https://x/start")
    );
    let sub = set.services("svc").unwrap().sub_properties("sts").unwrap();
    assert_eq!(
        sub.get("endpoint_url").map(String::as_str),
        Some("http://localhost:1")
    );
    assert_eq!(sub.get("other").map(String::as_str), Some("2"));
    assert_eq!(set.profile("q").unwrap().get("r"), Some("\"quoted\""));
    assert!(
        set.warnings
            .iter()
            .any(|w| w.line == 1 && w.message.contains("byte-order mark"))
    );
    let origin = set.profile("a").unwrap().origin("region").unwrap();
    assert_eq!(
        (origin.file.as_str(), origin.kind, origin.line),
        ("config", FileKind::Config, 3)
    );
}

#[test]
fn credentials_file_wins_key_by_key() {
    let set = load(
        Some("[profile p]\nregion = r1\naws_access_key_id = OLD\n[sso-session p]\nk = v\n"),
        Some("[p]\naws_access_key_id = NEW\n[sso-session p]\n"),
    )
    .unwrap();
    let p = set.profile("p").unwrap();
    assert_eq!(p.get("region"), Some("r1"));
    assert_eq!(p.get("aws_access_key_id"), Some("NEW"));
    assert_eq!(
        p.origin("aws_access_key_id").unwrap().kind,
        FileKind::Credentials
    );
    // The credentials file has no sessions: its `[sso-session p]` is an invalid profile name.
    assert_eq!(set.sso_session("p").unwrap().get("k"), Some("v"));
    assert!(set.profile("sso-session p").is_none());
}

// ---- property tests ----

#[derive(Debug, Clone)]
struct Model {
    profiles: BTreeMap<String, BTreeMap<String, (String, bool)>>,
    sessions: BTreeMap<String, BTreeMap<String, String>>,
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_./%@+:-]{1,10}"
}

fn key() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,10}"
}

fn value() -> impl Strategy<Value = String> {
    // No leading comment character, no ` #`/` ;`, no surrounding whitespace: those read as comments.
    "[A-Za-z0-9_/:=.@+-]([A-Za-z0-9_/:=.@+#;-]{0,12}( [A-Za-z0-9_/:=.@+-]{1,6})?)?"
}

fn model() -> impl Strategy<Value = Model> {
    let props = prop::collection::btree_map(key(), (value(), any::<bool>()), 0..6);
    let session = prop::collection::btree_map(key(), value(), 0..4);
    (
        prop::collection::btree_map(name(), props, 0..5),
        prop::collection::btree_map(name(), session, 0..3),
    )
        .prop_map(|(profiles, sessions)| Model { profiles, sessions })
}

/// Writes `model` as a config and a credentials file, with style varied by `style`.
fn render(model: &Model, style: u8) -> (String, String) {
    let nl = if style & 1 == 1 { "\r\n" } else { "\n" };
    let (mut config, mut credentials) = (String::new(), String::new());
    for (name, props) in &model.profiles {
        config.push_str(&format!("# profile {name}{nl}"));
        if name == "default" && style & 2 == 2 {
            config.push_str(&format!("[default] ; plain{nl}"));
        } else {
            config.push_str(&format!("[profile {name}]{nl}"));
        }
        let mut in_credentials = false;
        for (k, (v, to_credentials)) in props {
            if *to_credentials {
                if !in_credentials {
                    credentials.push_str(&format!("[{name}]{nl}"));
                    in_credentials = true;
                }
                credentials.push_str(&format!("{k} = {v}{nl}"));
                // A stale value in the config file that the credentials file must override.
                config.push_str(&format!("{k} = stale{nl}"));
            } else if style & 4 == 4 {
                config.push_str(&format!("{k}\t:  {v}\t{nl}{nl}"));
            } else {
                config.push_str(&format!("{k}={v}{nl}"));
            }
        }
    }
    for (name, props) in &model.sessions {
        config.push_str(&format!("[sso-session\t{name} ]{nl}"));
        for (k, v) in props {
            config.push_str(&format!("{k} = {v}{nl}"));
        }
    }
    (config, credentials)
}

proptest! {
    #[test]
    fn parser_never_panics(data in prop::collection::vec(any::<u8>(), 0..512)) {
        awscred_core::fuzzing::config_parser::run(&data);
    }

    #[test]
    fn parser_never_panics_on_config_like_text(text in "([\\[\\] \t=:;#a-z\r\n]|profile |sso-session |services ){0,80}") {
        awscred_core::fuzzing::config_parser::run(text.as_bytes());
    }

    #[test]
    fn parsing_a_generated_config_gives_it_back(model in model(), style in 0u8..8) {
        let (config, credentials) = render(&model, style);
        let set = load(Some(&config), Some(&credentials)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got: BTreeMap<String, BTreeMap<String, String>> = set
            .profiles()
            .map(|p| (p.name().to_string(), p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
            .collect();
        let want: BTreeMap<String, BTreeMap<String, String>> = model
            .profiles
            .iter()
            .map(|(n, props)| (n.clone(), props.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect()))
            .collect();
        prop_assert_eq!(got, want);
        for (name, props) in &model.sessions {
            let s = set.sso_session(name).expect("session");
            let got: BTreeMap<String, String> = s.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            prop_assert_eq!(&got, props);
        }
        prop_assert_eq!(set.sso_sessions().count(), model.sessions.len());
    }
}
