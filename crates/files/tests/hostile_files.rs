#![cfg(unix)]

//! Local input that should get nowhere (issue 16, items 4–7): links planted where we create
//! files, FIFOs and devices where we read, files too big to be a config or a cache entry, cache
//! entries another user could have written, and a lock holder that never lets go.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use awscred_files::{
    CACHE_READ_LIMIT, CONFIG_READ_LIMIT, FileKind, FileLock, list_orphans, lock_holder,
    read_if_present, write_private_atomic,
};

/// Runs `f` on a thread and gives up after 10 s, so that a read that hangs (on a FIFO) fails
/// the test instead of hanging it.
fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the call returned within 10 s")
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// `~/.aws/sso/cache` in a fresh directory, 0700 like ours.
fn cache_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("sso").join("cache");
    awscred_files::create_private_dir_all(&dir).unwrap();
    (home, dir)
}

#[test]
fn a_symlink_at_the_lock_path_is_refused_and_its_target_never_created() {
    let (_home, dir) = cache_dir();
    let target = dir.join("created-through-the-link");
    let lock = dir.join("t.json.lock");
    symlink(&target, &lock).unwrap();
    let e = FileLock::acquire(&lock).unwrap_err();
    assert!(!target.exists(), "the lock followed the link");
    let text = e.to_string();
    assert!(
        text.contains("symbolic link") && text.contains(&lock.display().to_string()),
        "{text}"
    );
}

#[test]
fn a_fifo_or_directory_at_the_lock_path_is_refused_at_once() {
    let (_home, dir) = cache_dir();
    let lock = dir.join("t.json.lock");
    fs::create_dir(&lock).unwrap();
    let e = within_10s({
        let lock = lock.clone();
        move || FileLock::acquire(&lock).unwrap_err()
    });
    assert!(e.to_string().contains(&lock.display().to_string()), "{e}");
    fs::remove_dir(&lock).unwrap();
    std::process::Command::new("mkfifo")
        .arg(&lock)
        .status()
        .unwrap();
    let e = within_10s({
        let lock = lock.clone();
        move || FileLock::acquire(&lock).unwrap_err()
    });
    assert!(e.to_string().contains("a FIFO, not a regular file"), "{e}");
}

#[test]
fn a_write_never_goes_through_a_symlink_and_makes_a_0600_file() {
    let (_home, dir) = cache_dir();
    let elsewhere = dir.join("elsewhere");
    fs::write(&elsewhere, b"keep").unwrap();
    let target = dir.join("t.json");
    symlink(&elsewhere, &target).unwrap();
    write_private_atomic(&target, b"{}").unwrap();
    assert_eq!(
        fs::read(&elsewhere).unwrap(),
        b"keep",
        "the link's target was written"
    );
    assert!(fs::symlink_metadata(&target).unwrap().is_file());
    assert_eq!(mode(&target), 0o600);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(dir.parent().unwrap()), 0o700);
}

#[test]
fn the_lock_holder_writes_its_pid_and_a_waiter_gives_up_naming_it() {
    let (_home, dir) = cache_dir();
    let lock = dir.join("t.json.lock");
    let held = FileLock::acquire(&lock).unwrap();
    assert_eq!(lock_holder(&lock), Some(std::process::id()));
    let started = Instant::now();
    let e = {
        let lock = lock.clone();
        within_10s(move || FileLock::acquire_within(&lock, Duration::from_millis(300)).unwrap_err())
    };
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "it waited its bound"
    );
    assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
    let text = e.to_string();
    let wanted = format!(
        "another awscred process (pid {}) has held {}",
        std::process::id(),
        lock.display()
    );
    assert!(text.contains(&wanted), "{text}");
    drop(held);
    // Released: the next one gets it at once.
    FileLock::acquire_within(&lock, Duration::from_millis(300)).unwrap();
}

#[test]
fn reads_refuse_fifos_and_devices_instead_of_hanging_or_growing() {
    let (_home, dir) = cache_dir();
    let fifo = dir.join("t.json");
    std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    let e = within_10s({
        let fifo = fifo.clone();
        move || read_if_present(&fifo).unwrap_err()
    });
    assert!(e.to_string().contains("a FIFO, not a regular file"), "{e}");

    let zero = dir.join("z.json");
    symlink("/dev/zero", &zero).unwrap();
    let e = within_10s(move || read_if_present(&zero).unwrap_err());
    assert!(
        e.to_string().contains("a device, not a regular file"),
        "{e}"
    );
    let e = within_10s(|| read_if_present("/dev/zero").unwrap_err());
    assert!(e.to_string().contains("/dev/zero"), "{e}");
}

#[test]
fn reads_are_capped_16_mib_for_config_files_and_1_mib_for_cache_entries() {
    let (home, dir) = cache_dir();
    let entry = dir.join("t.json");
    fs::write(&entry, vec![b' '; CACHE_READ_LIMIT as usize]).unwrap();
    assert_eq!(read_if_present(&entry).unwrap().unwrap().len(), 1 << 20);
    fs::write(&entry, vec![b' '; CACHE_READ_LIMIT as usize + 1]).unwrap();
    let e = read_if_present(&entry).unwrap_err();
    assert!(e.to_string().contains("larger than 1 MiB"), "{e}");

    let config = home.path().join("config");
    assert_eq!(FileKind::of(&config), FileKind::Config);
    fs::write(&config, vec![b'#'; CACHE_READ_LIMIT as usize + 1]).unwrap();
    assert!(
        read_if_present(&config).is_ok(),
        "a config file may exceed 1 MiB"
    );
    fs::write(&config, vec![b'#'; CONFIG_READ_LIMIT as usize + 1]).unwrap();
    let e = read_if_present(&config).unwrap_err();
    assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
}

#[test]
fn a_cache_entry_in_a_world_writable_directory_is_not_used() {
    let (_home, dir) = cache_dir();
    let entry = dir.join("t.json");
    write_private_atomic(&entry, b"{}").unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let e = read_if_present(&entry).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&format!("chmod 700 {}", dir.display())),
        "{text}"
    );
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(read_if_present(&entry).unwrap().unwrap(), b"{}");
}

#[test]
fn a_world_writable_cache_entry_is_not_used() {
    let (_home, dir) = cache_dir();
    let entry = dir.join("t.json");
    write_private_atomic(&entry, b"{}").unwrap();
    fs::set_permissions(&entry, fs::Permissions::from_mode(0o666)).unwrap();
    let e = read_if_present(&entry).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("chmod 600 {}", entry.display())),
        "{e}"
    );
}

#[test]
fn a_cache_entry_owned_by_another_user_is_not_used() {
    let (_home, dir) = cache_dir();
    let entry = dir.join("t.json");
    let me = fs::metadata(&dir)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    if me == 0 {
        // As root (CI): hand the file to another user.
        write_private_atomic(&entry, b"{}").unwrap();
        let chown = std::process::Command::new("chown")
            .arg("4242")
            .arg(&entry)
            .status()
            .unwrap();
        assert!(chown.success());
    } else {
        // As a user: a link to a file root owns is read as that file.
        symlink("/etc/passwd", &entry).unwrap();
    }
    let e = read_if_present(&entry).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("not by you") && text.contains(&entry.display().to_string()),
        "{text}"
    );
    // The config and credentials files are not held to this rule.
    assert_eq!(
        FileKind::of(Path::new("/home/u/.aws/config")),
        FileKind::Config
    );
}

#[test]
fn orphans_are_the_temporary_files_of_one_file_only() {
    let (_home, dir) = cache_dir();
    let target = dir.join("t.json");
    for name in [
        ".t.json.11.0.5.tmp",
        ".t.json.12.3.9.tmp",
        ".other.json.11.0.5.tmp",
        ".t.json.lock",
        "t.json",
    ] {
        fs::write(dir.join(name), b"x").unwrap();
    }
    fs::create_dir(dir.join(".t.json.13.0.0.tmp")).unwrap();
    let found: Vec<String> = list_orphans(&target)
        .unwrap()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(found, [".t.json.11.0.5.tmp", ".t.json.12.3.9.tmp"]);
    assert!(
        list_orphans(dir.join("missing").join("t.json"))
            .unwrap()
            .is_empty()
    );
}
