//! `configure populate`'s edit of `~/.aws/config`: generated profiles land, update and go,
//! and every other byte of the file stays as it was.

use awscred_core::config::{ConfigSet, FileKind, parse};
use awscred_core::populate::{
    EditRequest, GeneratedProfile, MARKER_KEY, TakenBy, Template, edit, plan, unified_diff,
};
use awscred_core::sso::{AccountInfo, RoleInfo};
use proptest::prelude::*;

fn set(text: &str) -> ConfigSet {
    ConfigSet::from_parsed(Some(parse("config", text, FileKind::Config).unwrap()), None)
}

fn profile(name: &str, account: &str, role: &str) -> GeneratedProfile {
    GeneratedProfile {
        name: name.into(),
        account_id: account.into(),
        role_name: role.into(),
    }
}

fn request(profiles: Vec<GeneratedProfile>, prune: bool) -> EditRequest {
    EditRequest {
        session: "corp".into(),
        region: Some("eu-west-1".into()),
        prune,
        profiles,
    }
}

/// The text with a newline at its end, as any edit that adds to it leaves it.
fn ended(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

/// User content: sections, comments (full-line and inline), blank lines, `:` keys, continuation
/// and sub-property lines, CRLF endings, an unterminated last line.
fn user_file() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("# a comment\n".to_string()),
        Just("; another\n".to_string()),
        Just("\n".to_string()),
        Just("   \n".to_string()),
        Just("region = us-east-1 # inline\n".to_string()),
        Just("output: json\r\n".to_string()),
        Just("s3 =\n  max_concurrent_requests = 4\n".to_string()),
        Just("credential_process = a\n  continued\n".to_string()),
        "[a-z_]{1,8} = [a-z0-9 ]{0,10}\n",
    ];
    let section = (
        prop_oneof![
            "\\[profile u[a-z0-9]{0,4}\\]\n",
            Just("[default]\n".to_string()),
            Just("[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n".to_string()),
            Just("[ profile  spaced ]   # c\n".to_string()),
        ],
        prop::collection::vec(line, 0..5),
    )
        .prop_map(|(h, ls)| format!("{h}{}", ls.concat()));
    (
        prop::collection::vec(
            prop_oneof![Just("# top\n".to_string()), Just("\n".to_string())],
            0..3,
        ),
        prop::collection::vec(section, 0..6),
        any::<bool>(),
    )
        .prop_map(|(head, sections, cut_last_newline)| {
            let mut t = format!("{}{}", head.concat(), sections.concat());
            if cut_last_newline && t.ends_with('\n') {
                t.pop();
                if t.ends_with('\r') {
                    t.pop();
                }
            }
            t
        })
}

fn wanted() -> impl Strategy<Value = Vec<GeneratedProfile>> {
    prop::collection::btree_map(
        "[a-z]{1,3}\\.[A-Z][a-z]{0,3}",
        ("[0-9]{12}", "[A-Z][a-z]{0,6}"),
        0..6,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(n, (a, r))| profile(&n, &a, &r))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// parse(edit(x)) has every new profile, and x is untouched: it is the start of the result.
    #[test]
    fn generated_profiles_are_added_after_the_untouched_file(x in user_file(), want in wanted()) {
        let e = edit("config", &x, &request(want.clone(), false)).unwrap();
        if want.is_empty() {
            prop_assert_eq!(&e.text, &x);
        }
        prop_assert!(e.text.starts_with(&ended(&x)) || want.is_empty(), "{:?}\n{:?}", x, e.text);
        let result = set(&e.text);
        for p in &want {
            prop_assert_eq!(result.profile(&p.name).and_then(|s| s.value("sso_account_id")), Some(p.account_id.as_str()));
            prop_assert_eq!(result.profile(&p.name).and_then(|s| s.value("sso_role_name")), Some(p.role_name.as_str()));
            prop_assert_eq!(result.profile(&p.name).and_then(|s| s.value("sso_session")), Some("corp"));
            prop_assert_eq!(result.profile(&p.name).and_then(|s| s.value(MARKER_KEY)), Some("corp"));
        }
        // Every profile the file had reads the same as before.
        let before = set(&x);
        for p in before.profiles() {
            let after = result.profile(p.name()).unwrap();
            prop_assert_eq!(p.iter().collect::<Vec<_>>(), after.iter().collect::<Vec<_>>());
        }
        prop_assert_eq!(e.added.len(), want.len());
    }

    /// A second run with the same profiles changes nothing.
    #[test]
    fn a_second_run_is_a_no_op(x in user_file(), want in wanted()) {
        let once = edit("config", &x, &request(want.clone(), true)).unwrap();
        let twice = edit("config", &once.text, &request(want.clone(), true)).unwrap();
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert!(twice.added.is_empty() && twice.updated.is_empty() && twice.removed.is_empty());
        prop_assert_eq!(twice.unchanged.len(), want.len());
    }

    /// Any set of profiles, then another with --prune, then none with --prune: the file is
    /// back byte for byte; in between, exactly the second set is there.
    #[test]
    fn prune_gives_the_file_back(x in user_file(), a in wanted(), b in wanted()) {
        let first = edit("config", &x, &request(a.clone(), false)).unwrap();
        let second = edit("config", &first.text, &request(b.clone(), true)).unwrap();
        let result = set(&second.text);
        for p in &b {
            prop_assert_eq!(result.profile(&p.name).and_then(|s| s.value("sso_account_id")), Some(p.account_id.as_str()));
        }
        for p in a.iter().filter(|p| !b.iter().any(|q| q.name == p.name)) {
            prop_assert!(result.profile(&p.name).is_none(), "{} left", p.name);
        }
        let gone = edit("config", &second.text, &request(Vec::new(), true)).unwrap();
        // Only the missing last newline, added before the first new section, stays added.
        let expect = if a.is_empty() && b.is_empty() { x.clone() } else { ended(&x) };
        prop_assert_eq!(gone.text, expect);
    }

    /// Without --prune nothing generated earlier goes; it is reported as stale.
    #[test]
    fn without_prune_old_profiles_stay(x in user_file(), a in wanted()) {
        let first = edit("config", &x, &request(a.clone(), false)).unwrap();
        let second = edit("config", &first.text, &request(Vec::new(), false)).unwrap();
        prop_assert_eq!(&second.text, &first.text);
        prop_assert_eq!(second.stale.len(), a.len());
    }

    /// The diff of any edit applies back: its `-`/` ` lines are the old text, `+`/` ` the new.
    #[test]
    fn the_diff_describes_the_edit(x in user_file(), a in wanted(), b in wanted()) {
        let first = edit("config", &x, &request(a, false)).unwrap();
        let second = edit("config", &first.text, &request(b, true)).unwrap();
        let d = unified_diff(&first.text, &second.text, "a", "b");
        if first.text == second.text {
            prop_assert!(d.is_empty());
        } else {
            // Rebuild both sides from the hunks plus the unchanged lines between them.
            prop_assert!(d.starts_with("--- a\n+++ b\n@@ -"));
            let old_lines = first.text.split_inclusive('\n').count();
            let minus = d.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).count();
            let plus = d.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).count();
            let new_lines = second.text.split_inclusive('\n').count();
            prop_assert_eq!(old_lines - minus, new_lines - plus);
        }
    }
}

#[test]
fn updates_in_place_and_keeps_user_keys() {
    let x = "# mine\n[profile p.Admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\noutput = json\nawscred_populated_from = corp\n# trailing comment\n\n[default]\nregion = us-east-2\n";
    let e = edit(
        "config",
        x,
        &request(vec![profile("p.Admin", "444455556666", "Admin")], false),
    )
    .unwrap();
    assert_eq!(e.updated, vec!["p.Admin"]);
    assert_eq!(
        e.text,
        "# mine\n[profile p.Admin]\nsso_session = corp\nsso_account_id = 444455556666\nsso_role_name = Admin\noutput = json\nawscred_populated_from = corp\nregion = eu-west-1\n# trailing comment\n\n[default]\nregion = us-east-2\n"
    );
}

#[test]
fn taken_names_are_collisions_not_overwrites() {
    let x = "[profile mine.Admin]\nregion = us-east-1\n\n[profile theirs.Admin]\nsso_session = other\nawscred_populated_from = other\n";
    let e = edit(
        "config",
        x,
        &request(
            vec![
                profile("mine.Admin", "111122223333", "Admin"),
                profile("theirs.Admin", "111122223333", "Admin"),
                profile("new.Admin", "111122223333", "Admin"),
            ],
            true,
        ),
    )
    .unwrap();
    assert_eq!(e.added, vec!["new.Admin"]);
    assert_eq!(e.collisions.len(), 2);
    assert_eq!(e.collisions[0].taken_by, TakenBy::UserSection { line: 1 });
    assert!(
        e.collisions[0].to_string().contains("did not generate"),
        "{}",
        e.collisions[0]
    );
    assert_eq!(
        e.collisions[1].taken_by,
        TakenBy::OtherSession {
            session: "other".into(),
            line: 4
        }
    );
    assert!(e.text.starts_with(x));
}

#[test]
fn plan_names_sanitises_and_reports_duplicates() {
    let accounts = vec![
        (
            AccountInfo {
                account_id: "222233334444".into(),
                account_name: Some("Dev Team".into()),
                email_address: None,
            },
            vec![RoleInfo {
                role_name: "Admin".into(),
                account_id: "222233334444".into(),
            }],
        ),
        (
            AccountInfo {
                account_id: "111122223333".into(),
                account_name: Some("Dev/Team".into()),
                email_address: None,
            },
            vec![
                RoleInfo {
                    role_name: "Read Only".into(),
                    account_id: "111122223333".into(),
                },
                RoleInfo {
                    role_name: "Admin".into(),
                    account_id: "111122223333".into(),
                },
            ],
        ),
        (
            AccountInfo {
                account_id: "333344445555".into(),
                account_name: Some("Dev  Team".into()),
                email_address: None,
            },
            vec![RoleInfo {
                role_name: "Admin".into(),
                account_id: "333344445555".into(),
            }],
        ),
    ];
    let (profiles, collisions) = plan("corp", &Template::default(), &accounts);
    let names: Vec<_> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Dev/Team.Admin", "Dev/Team.Read-Only", "Dev-Team.Admin"]
    );
    assert_eq!(collisions.len(), 1);
    assert_eq!(collisions[0].account_id, "333344445555");
    assert!(collisions[0].to_string().contains("{account_id}"));
}

#[test]
fn a_file_that_does_not_parse_is_not_edited() {
    let e = edit("~/.aws/config", "region = x\n", &request(Vec::new(), false)).unwrap_err();
    assert!(e.to_string().contains("~/.aws/config:1"), "{e}");
}
