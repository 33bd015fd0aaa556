//! The file effects on a real file system: modes, atomic replacement, cleanup, listing, locks
//! between threads.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use awscred_files::{
    FileLock, list_json, read_if_present, remove_if_present, write_private_atomic,
};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn read_missing_is_none() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(read_if_present(dir.path().join("nope.json")).unwrap(), None);
    fs::write(dir.path().join("a.json"), b"x").unwrap();
    assert_eq!(
        read_if_present(dir.path().join("a.json")).unwrap(),
        Some(b"x".to_vec())
    );
    // A directory is not a missing file: the error is reported.
    assert!(read_if_present(dir.path()).is_err());
}

#[test]
fn write_creates_private_dirs_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("sso").join("cache").join("abc.json");
    write_private_atomic(&target, b"{\"a\": 1}").unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"{\"a\": 1}");
    assert_eq!(names(target.parent().unwrap()), ["abc.json"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&target), 0o600);
        assert_eq!(mode(target.parent().unwrap()), 0o700);
        assert_eq!(mode(&dir.path().join("sso")), 0o700);
    }
}

#[test]
fn write_replaces_and_tightens_mode() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.json");
    fs::write(&target, b"old old old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    }
    write_private_atomic(&target, b"new").unwrap();
    assert_eq!(fs::read(&target).unwrap(), b"new");
    assert_eq!(
        names(dir.path()),
        ["t.json"],
        "no temporary file may remain"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn failed_write_leaves_target_and_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    // A non-empty directory where the file should go: the rename must fail.
    let target = dir.path().join("busy.json");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep"), b"k").unwrap();
    assert!(write_private_atomic(&target, b"data").is_err());
    assert_eq!(names(dir.path()), ["busy.json"]);
    assert_eq!(fs::read(target.join("keep")).unwrap(), b"k");
    assert!(
        write_private_atomic(dir.path().join(".."), b"x").is_err(),
        "not a file path"
    );
}

#[test]
fn readers_never_see_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.json");
    let a = vec![b'a'; 256 * 1024];
    let b = vec![b'b'; 256 * 1024];
    write_private_atomic(&target, &a).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (target, stop) = (target.clone(), stop.clone());
        let (a, b) = (a.clone(), b.clone());
        thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let got = fs::read(&target).unwrap();
                assert!(
                    got == a || got == b,
                    "saw a partial file of {} bytes",
                    got.len()
                );
                reads += 1;
            }
            reads
        })
    };
    for i in 0..50 {
        write_private_atomic(&target, if i % 2 == 0 { &b } else { &a }).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(names(dir.path()), ["big.json"]);
}

#[test]
fn remove_and_list() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        list_json(dir.path().join("missing")).unwrap(),
        Vec::<std::path::PathBuf>::new()
    );
    for name in ["b.json", "a.json", ".hidden.json", "notes.txt"] {
        fs::write(dir.path().join(name), b"{}").unwrap();
    }
    fs::create_dir(dir.path().join("dir.json")).unwrap();
    let listed = list_json(dir.path()).unwrap();
    assert_eq!(
        listed,
        [dir.path().join("a.json"), dir.path().join("b.json")]
    );
    assert!(remove_if_present(dir.path().join("a.json")).unwrap());
    assert!(!remove_if_present(dir.path().join("a.json")).unwrap());
    assert_eq!(list_json(dir.path()).unwrap(), [dir.path().join("b.json")]);
}

#[test]
fn lock_excludes_other_lockers_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locks").join("token.lock");
    let held = FileLock::acquire(&path).unwrap();
    assert_eq!(held.path(), path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let other = {
        let path = path.clone();
        thread::spawn(move || FileLock::try_acquire(&path).unwrap().is_some())
    };
    assert!(
        !other.join().unwrap(),
        "a second locker got the lock while it was held"
    );
    drop(held);
    assert!(FileLock::try_acquire(&path).unwrap().is_some());
}

/// Read-modify-write of a counter under the lock from many threads: no update is lost.
#[test]
fn lock_serialises_read_modify_write_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("counter.json");
    let lock = dir.path().join("counter.lock");
    write_private_atomic(&counter, b"0").unwrap();
    let threads = 8;
    let rounds = 25;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (counter, lock, barrier) = (counter.clone(), lock.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..rounds {
                    let _guard = FileLock::acquire(&lock).unwrap();
                    let n: u64 = String::from_utf8(read_if_present(&counter).unwrap().unwrap())
                        .unwrap()
                        .parse()
                        .unwrap();
                    // Widen the race window so a broken lock shows up.
                    thread::sleep(Duration::from_micros(200));
                    write_private_atomic(&counter, (n + 1).to_string().as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(
        fs::read_to_string(&counter).unwrap(),
        (threads * rounds).to_string()
    );
}
