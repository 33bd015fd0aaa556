//! The rotated refresh token is never lost silently (issue 16, items 1–4): a failed write is a
//! warning on the result, an orphaned temporary file holding a newer token is adopted under the
//! lock, an unopenable lock falls back to another lock, and a lock held too long is an error
//! that names its holder — never a refresh beside it.

#[path = "resolve_support/mod.rs"]
mod resolve_support;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use awscred_core::Error;
use awscred_core::config::{Env, Platform};
use awscred_core::resolve::{FileWarningKind, ResolveFlow, ResolveRequest, Resolved};
use awscred_core::time::format_z;
use awscred_core::token::token_file_name;
use resolve_support::{
    Driver, Event, Request, Response, at, create_token_response, role_credentials,
};

/// 2027-01-15T08:00:00Z.
const NOW: u64 = 1_800_000_000;
const CONFIG: &str = "/home/.aws/config";
const START_URL: &str = "https://d-123.awsapps.com/start";
const SSO_CONFIG: &str = "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\n\
sso_role_name = Admin\nregion = eu-west-1\n\n[sso-session dev]\nsso_start_url = https://d-123.awsapps.com/start\n\
sso_region = us-east-1\n";

fn now() -> SystemTime {
    at(NOW)
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn request() -> ResolveRequest {
    let mut r = ResolveRequest::new(Env::from_pairs([("HOME", "/home"), ("AWS_PROFILE", "dev")]));
    r.platform = Platform::Unix;
    r
}

fn token_path() -> PathBuf {
    PathBuf::from(format!("/home/.aws/sso/cache/{}", token_file_name("dev")))
}

fn lock_path() -> PathBuf {
    PathBuf::from(format!("{}.lock", token_path().display()))
}

fn fallback_lock_path() -> PathBuf {
    PathBuf::from(format!("{}.user.lock", token_path().display()))
}

/// A temporary file as `awscred_files::write_private_atomic` names it.
fn orphan_path(tag: &str) -> PathBuf {
    PathBuf::from(format!(
        "/home/.aws/sso/cache/.{}.4242.0.{tag}.tmp",
        token_file_name("dev")
    ))
}

fn token_json(access: &str, refresh: &str, expires_at: SystemTime) -> String {
    format!(
        "{{\"startUrl\": \"{START_URL}\", \"region\": \"us-east-1\", \"accessToken\": \"{access}\", \
         \"expiresAt\": \"{}\", \"clientId\": \"cid\", \"clientSecret\": \"CLIENTSECRET\", \
         \"registrationExpiresAt\": \"{}\", \"refreshToken\": \"{refresh}\"}}",
        format_z(expires_at),
        format_z(now() + Duration::from_secs(90 * 86400))
    )
}

/// The token file expires in `left`; the portal wants `bearer`; CreateToken (if called)
/// expects `refresh` and answers NEWTOKEN / ROTATED.
fn driver(left: Duration, refresh: &'static str, bearer: &'static str) -> Driver {
    Driver::new(now())
        .file(CONFIG, SSO_CONFIG)
        .file(
            token_path(),
            token_json("ACCESSTOKEN", "REFRESHTOKEN", now() + left),
        )
        .http(move |r: &Request| -> Result<Response, Error> {
            if r.uri().path() == "/token" {
                let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
                assert_eq!(body["refreshToken"], refresh, "the refresh token sent");
                return Ok(create_token_response("NEWTOKEN", 28800, Some("ROTATED")));
            }
            let sent = r
                .headers()
                .get("x-amz-sso_bearer_token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert_eq!(sent, bearer, "the bearer token used");
            Ok(role_credentials("ASIASSO", (NOW + 3600) * 1000))
        })
}

fn resolve(d: &mut Driver) -> Result<Resolved, Error> {
    d.run(&mut ResolveFlow::new(request()))
}

fn io_error(path: &std::path::Path, message: &str) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: message.into(),
    }
}

#[test]
fn a_refreshed_token_that_cannot_be_written_is_a_warning_naming_the_file_and_the_next_step() {
    let mut d = driver(mins(5), "REFRESHTOKEN", "NEWTOKEN");
    d.failing_writes.push(token_path());
    let r = resolve(&mut d).expect("this call's credentials are still returned");
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    let loud: Vec<_> = r
        .file_warnings
        .iter()
        .filter(|w| !w.kind.is_minor())
        .collect();
    assert_eq!(loud.len(), 1, "{:?}", r.file_warnings);
    let w = loud[0];
    assert_eq!(w.kind, FileWarningKind::TokenNotSaved);
    assert_eq!(w.path, token_path());
    let text = w.to_string();
    for needle in [
        token_path().display().to_string(),
        "permission denied".to_string(),
        "awscred login".to_string(),
        "next run".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle:?} missing from {text:?}");
    }
    for secret in ["NEWTOKEN", "ROTATED", "REFRESHTOKEN", "CLIENTSECRET"] {
        assert!(!text.contains(secret), "the warning shows a secret: {text}");
    }
}

#[test]
fn an_aws_cli_cache_write_failure_is_only_a_minor_warning() {
    let mut d = driver(mins(600), "REFRESHTOKEN", "ACCESSTOKEN");
    let cli = "/home/.aws/cli/cache/".to_string();
    let r = {
        // Whatever the entry's name, every write under ~/.aws/cli/cache fails.
        let mut flow = ResolveFlow::new(request());
        let first = d.run(&mut flow).unwrap();
        let written = d.writes();
        assert!(written.iter().all(|p| p.starts_with(&cli)), "{written:?}");
        let mut d2 = driver(mins(600), "REFRESHTOKEN", "ACCESSTOKEN");
        d2.failing_writes = written;
        let again = resolve(&mut d2).unwrap();
        assert!(first.file_warnings.is_empty(), "{:?}", first.file_warnings);
        again
    };
    assert_eq!(r.file_warnings.len(), 1, "{:?}", r.file_warnings);
    assert_eq!(r.file_warnings[0].kind, FileWarningKind::CacheNotSaved);
    assert!(r.file_warnings[0].kind.is_minor());
}

#[test]
fn an_untrusted_cli_cache_entry_is_not_used_and_is_named_in_a_warning() {
    let mut d = driver(mins(600), "REFRESHTOKEN", "ACCESSTOKEN");
    resolve(&mut d).unwrap();
    let entry = d.writes().pop().expect("the AWS CLI cache entry written");
    let mut d = driver(mins(600), "REFRESHTOKEN", "ACCESSTOKEN");
    let why = format!(
        "{} is in /home/.aws/cli/cache, which every user can write to (mode 40777): run `chmod 700 /home/.aws/cli/cache`",
        entry.display()
    );
    d.unreadable.insert(entry.clone(), io_error(&entry, &why));
    let r = resolve(&mut d).unwrap();
    assert!(
        d.events
            .iter()
            .any(|e| matches!(e, Event::Send(s) if s.contains("federation"))),
        "the entry was not used: a request was made"
    );
    let w = r
        .file_warnings
        .iter()
        .find(|w| w.kind == FileWarningKind::CacheEntryIgnored)
        .expect("a warning");
    assert_eq!(w.path, entry);
    assert!(w.to_string().contains("chmod 700"), "{w}");
}

#[test]
fn a_complete_newer_orphan_is_adopted_under_the_lock_and_every_orphan_removed() {
    // A writer was killed after writing the rotated token to its temporary file and before
    // the rename: the file still holds the old refresh token, which the service no longer
    // accepts. The orphan's token is newer and valid (and not yet due for a refresh).
    let newer = token_json("ORPHANTOKEN", "ORPHANREFRESH", now() + mins(400));
    let mut d = driver(mins(5), "never sent", "ORPHANTOKEN")
        .file(orphan_path("1"), newer.as_bytes())
        // An older complete one, a torn one, and an empty one: never adopted, all removed.
        .file(
            orphan_path("0"),
            token_json("OLDER", "OLDREFRESH", now() + mins(3)).as_bytes(),
        )
        .file(orphan_path("2"), &newer.as_bytes()[..newer.len() / 2])
        .file(orphan_path("3"), b"");
    let r = resolve(&mut d).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    assert_eq!(d.sends(), 1, "no CreateToken: the orphan's token was good");
    assert_eq!(
        d.text(token_path()).unwrap(),
        newer,
        "the orphan adopted as it was"
    );
    for tag in ["0", "1", "2", "3"] {
        assert!(
            d.text(orphan_path(tag)).is_none(),
            "orphan {tag} left behind"
        );
    }
    // All of it under the lock, the adoption before any removal.
    let pos = |e: &Event| d.events.iter().position(|x| x == e).unwrap();
    let lock = pos(&Event::Lock(lock_path()));
    let write = pos(&Event::Write(token_path()));
    let unlock = pos(&Event::Unlock(lock_path()));
    assert!(lock < write && write < unlock);
    for tag in ["0", "1", "2", "3"] {
        let removed = pos(&Event::Remove(orphan_path(tag)));
        assert!(write < removed && removed < unlock, "{:?}", d.events);
    }
}

#[test]
fn an_adopted_orphan_that_is_due_is_refreshed_with_its_own_refresh_token() {
    let newer = token_json("ORPHANTOKEN", "ORPHANREFRESH", now() + mins(4));
    let mut d =
        driver(mins(2), "ORPHANREFRESH", "NEWTOKEN").file(orphan_path("1"), newer.as_bytes());
    resolve(&mut d).unwrap();
    assert!(
        d.text(token_path())
            .unwrap()
            .contains("\"refreshToken\": \"ROTATED\"")
    );
    assert!(d.text(orphan_path("1")).is_none());
}

#[test]
fn an_older_orphan_or_one_of_another_session_is_removed_not_adopted() {
    let other = token_json("OTHER", "OTHERREFRESH", now() + mins(900))
        .replace(START_URL, "https://elsewhere.awsapps.com/start");
    let mut d = driver(mins(5), "REFRESHTOKEN", "NEWTOKEN")
        .file(orphan_path("1"), other.as_bytes())
        .file(
            orphan_path("2"),
            token_json("OLDER", "OLDREFRESH", now() + mins(1)).as_bytes(),
        );
    resolve(&mut d).unwrap();
    assert!(d.text(token_path()).unwrap().contains("NEWTOKEN"));
    assert!(d.text(orphan_path("1")).is_none());
    assert!(d.text(orphan_path("2")).is_none());
}

#[test]
fn an_orphan_whose_adoption_cannot_be_written_is_kept() {
    let newer = token_json("ORPHANTOKEN", "ORPHANREFRESH", now() + mins(400));
    let mut d =
        driver(mins(5), "never sent", "ORPHANTOKEN").file(orphan_path("1"), newer.as_bytes());
    d.failing_writes.push(token_path());
    let r = resolve(&mut d).unwrap();
    assert!(
        d.text(orphan_path("1")).is_some(),
        "the only copy of the newest token"
    );
    assert!(
        r.file_warnings
            .iter()
            .any(|w| w.kind == FileWarningKind::TokenNotSaved)
    );
}

#[test]
fn an_unopenable_lock_falls_back_to_the_users_own_lock_with_a_warning() {
    let mut d = driver(mins(5), "REFRESHTOKEN", "NEWTOKEN");
    let denied = format!(
        "cannot open lock file {}: Permission denied (os error 13)",
        lock_path().display()
    );
    d.failing_locks
        .insert(lock_path(), io_error(&lock_path(), &denied));
    d.unreadable.insert(
        lock_path(),
        io_error(&lock_path(), "Permission denied (os error 13)"),
    );
    let r = resolve(&mut d).unwrap();
    assert_eq!(d.sends(), 2, "one CreateToken, one GetRoleCredentials");
    // The refresh happened under the fallback lock, released after the write.
    let pos = |e: &Event| d.events.iter().position(|x| x == e).unwrap();
    let lock = pos(&Event::Lock(fallback_lock_path()));
    let write = pos(&Event::Write(token_path()));
    let unlock = pos(&Event::Unlock(fallback_lock_path()));
    assert!(lock < write && write < unlock, "{:?}", d.events);
    let w = r
        .file_warnings
        .iter()
        .find(|w| w.kind == FileWarningKind::LockUnopenable)
        .expect("a warning about the lock");
    let text = w.to_string();
    assert!(text.contains(&lock_path().display().to_string()), "{text}");
    assert!(
        text.contains(&format!("sudo rm {}", lock_path().display())),
        "{text}"
    );
    assert_eq!(r.refresh_attempted_at, Some(now()));
    assert_eq!(
        r.file_warnings.len(),
        1,
        "one warning, not one per step: {:?}",
        r.file_warnings
    );
}

#[test]
fn a_lock_held_too_long_is_an_error_naming_the_holder_when_the_token_must_be_refreshed() {
    let mut d = driver(mins(5), "REFRESHTOKEN", "NEWTOKEN").file(lock_path(), b"777\n");
    let held = format!(
        "another awscred process (pid 777) has held {} for 30 s while refreshing the SSO token",
        lock_path().display()
    );
    d.failing_locks
        .insert(lock_path(), io_error(&lock_path(), &held));
    let e = resolve(&mut d).unwrap_err();
    assert!(e.to_string().contains("pid 777"), "{e}");
    assert_eq!(d.sends(), 0, "no refresh beside the holder");
    assert!(!d.events.contains(&Event::Lock(fallback_lock_path())));
}

#[test]
fn a_lock_held_too_long_leaves_a_still_valid_token_in_use() {
    // 12 minutes left: an advisory refresh; the holder may be refreshing it right now.
    let mut d = driver(mins(12), "REFRESHTOKEN", "ACCESSTOKEN").file(lock_path(), b"777\n");
    d.failing_locks.insert(
        lock_path(),
        io_error(&lock_path(), "held by pid 777 for 30 s"),
    );
    let r = resolve(&mut d).unwrap();
    assert_eq!(d.sends(), 1, "only GetRoleCredentials");
    assert!(
        r.file_warnings
            .iter()
            .any(|w| w.kind == FileWarningKind::RefreshSkipped)
    );
}

#[test]
fn with_no_usable_lock_at_all_the_refresh_still_gives_this_calls_credentials() {
    // A cache directory nobody may write to (`chattr +i`): neither lock file can be created,
    // nor can the token be saved. This call still gets its credentials, and says why the next
    // one will not.
    let mut d = driver(mins(5), "REFRESHTOKEN", "NEWTOKEN");
    for lock in [lock_path(), fallback_lock_path()] {
        d.failing_locks.insert(
            lock.clone(),
            io_error(&lock, "Operation not permitted (os error 1)"),
        );
    }
    d.failing_writes.push(token_path());
    let r = resolve(&mut d).unwrap();
    assert_eq!(r.credentials.access_key_id(), "ASIASSO");
    let kinds: Vec<_> = r.file_warnings.iter().map(|w| w.kind).collect();
    assert!(
        kinds.contains(&FileWarningKind::LockUnopenable),
        "{kinds:?}"
    );
    assert!(kinds.contains(&FileWarningKind::TokenNotSaved), "{kinds:?}");
    assert!(
        !d.events.iter().any(|e| matches!(e, Event::ListOrphans(_))),
        "orphans only under a lock"
    );
}
