//! The shared executor carries out every local effect, keeps the locks and the listener of a
//! run, and hands every other step back untouched.

use std::io::{Read, Write};
use std::time::Duration;

use awscred_core::Error;
use awscred_core::flow::{Effect, Input, Prompt};
use awscred_core::oidc::callback::CallbackCheck;
use awscred_files::executor::Carried;
use awscred_files::{FileLock, LocalEffects};

fn carry(local: &mut LocalEffects, effect: Effect) -> Input {
    match local.carry_out(effect) {
        Carried::Answered(input) => input,
        Carried::HandedBack(effect) => panic!("handed back: {effect:?}"),
    }
}

#[test]
fn files_are_written_read_listed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cache/token.json");
    let mut local = LocalEffects::new();
    assert!(matches!(
        carry(&mut local, Effect::Read(file.clone())),
        Input::File(Ok(None))
    ));
    let written = carry(
        &mut local,
        Effect::Write {
            path: file.clone(),
            contents: b"{}".to_vec(),
        },
    );
    assert!(matches!(written, Input::Written(Ok(()))));
    match carry(&mut local, Effect::Read(file.clone())) {
        Input::File(Ok(Some(bytes))) => assert_eq!(bytes, b"{}"),
        other => panic!("{other:?}"),
    }
    match carry(
        &mut local,
        Effect::List(file.parent().unwrap().to_path_buf()),
    ) {
        Input::Listed(Ok(paths)) => assert_eq!(paths, std::slice::from_ref(&file)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        carry(&mut local, Effect::Remove(file.clone())),
        Input::Written(Ok(()))
    ));
    assert!(!file.exists());
    // Removing what is gone is fine.
    assert!(matches!(
        carry(&mut local, Effect::Remove(file)),
        Input::Written(Ok(()))
    ));
}

#[test]
fn failures_are_answers_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut local = LocalEffects::new();
    // A directory is not a readable file.
    match carry(&mut local, Effect::Read(dir.path().to_path_buf())) {
        Input::File(Err(Error::Io { path, .. })) => {
            assert_eq!(path, dir.path().display().to_string())
        }
        other => panic!("{other:?}"),
    }
    match carry(
        &mut local,
        Effect::Run("/nonexistent/awscred-test-program".into()),
    ) {
        Input::ProcessOutput(Err(Error::Process(m))) => {
            assert!(m.contains("could not start"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    match carry(
        &mut local,
        Effect::AwaitCallback {
            timeout: Duration::from_millis(10),
            check: CallbackCheck::new("s"),
        },
    ) {
        Input::Callback(Err(Error::Login(m))) => assert!(m.contains("before listening"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn locks_are_held_until_unlock_or_the_end_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sso/cache/token.json.lock");
    let mut local = LocalEffects::new();
    assert!(matches!(
        carry(&mut local, Effect::Lock(path.clone())),
        Input::Locked(Ok(()))
    ));
    assert_eq!(local.locks_held().collect::<Vec<_>>(), [path.as_path()]);
    assert!(
        FileLock::try_acquire(&path).unwrap().is_none(),
        "held by the run"
    );
    assert!(matches!(
        carry(&mut local, Effect::Unlock(path.clone())),
        Input::Unlocked
    ));
    assert_eq!(local.locks_held().count(), 0);
    assert!(
        FileLock::try_acquire(&path).unwrap().is_some(),
        "released at Unlock"
    );

    // A run that ends without its Unlock (an error, a dropped future) leaves nothing locked.
    assert!(matches!(
        carry(&mut local, Effect::Lock(path.clone())),
        Input::Locked(Ok(()))
    ));
    assert!(FileLock::try_acquire(&path).unwrap().is_none());
    drop(local);
    assert!(
        FileLock::try_acquire(&path).unwrap().is_some(),
        "released when the run ends"
    );
}

#[test]
fn a_process_runs_without_a_shell() {
    let mut local = LocalEffects::new();
    match carry(
        &mut local,
        Effect::Run("sh -c 'printf \"a b\"; exit 3'".into()),
    ) {
        Input::ProcessOutput(Ok(out)) => {
            assert_eq!(out.status, Some(3));
            assert_eq!(out.stdout, b"a b");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_listener_lives_from_listen_to_await_callback() {
    let mut local = LocalEffects::new();
    let port = match carry(&mut local, Effect::Listen) {
        Input::Listening(Ok(port)) => port,
        other => panic!("{other:?}"),
    };
    let browser = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "GET /oauth/callback?code=c&state=s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        .unwrap();
        let mut page = String::new();
        s.read_to_string(&mut page).unwrap();
        assert!(page.starts_with("HTTP/1.1 200"));
    });
    match carry(
        &mut local,
        Effect::AwaitCallback {
            timeout: Duration::from_secs(10),
            check: CallbackCheck::new("s"),
        },
    ) {
        Input::Callback(Ok(query)) => assert_eq!(query, "code=c&state=s"),
        other => panic!("{other:?}"),
    }
    browser.join().unwrap();
}

#[test]
fn the_drivers_steps_are_handed_back_untouched() {
    let request = http::Request::get("https://example.com/")
        .body(Vec::new())
        .unwrap();
    let effects: Vec<Effect> = vec![
        Effect::Send(request),
        Effect::Wait(Duration::from_secs(5)),
        Effect::AskTokenCode {
            serial: "mfa".into(),
        },
        Effect::Prompt(Prompt::Polling),
    ];
    let mut local = LocalEffects::new();
    for effect in effects {
        let kind = effect.kind();
        match local.carry_out(effect) {
            Carried::HandedBack(back) => assert_eq!(back.kind(), kind),
            Carried::Answered(input) => panic!("{kind:?} was carried out: {input:?}"),
        }
    }
    let e = awscred_files::executor::not_carried_out(&Effect::Wait(Duration::ZERO));
    assert!(e.to_string().contains("Wait"), "{e}");
}
