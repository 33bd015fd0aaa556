//! `FileLock` between processes. This test binary has its own `main`: run plainly it is the
//! parent; run with `AWSCRED_FILES_LOCK_CHILD` set it is one of the children it spawns.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use std::{env, fs, thread};

use awscred_files::{FileLock, read_if_present, write_private_atomic};

const CHILD_ENV: &str = "AWSCRED_FILES_LOCK_CHILD";
const CHILDREN: usize = 4;
const ROUNDS: u64 = 20;

fn main() -> ExitCode {
    // `cargo test -- --list` and filters are harness flags; this binary only has one test.
    if env::args().any(|a| a == "--list") {
        println!("lock_across_processes: test");
        return ExitCode::SUCCESS;
    }
    let result = match env::var_os(CHILD_ENV) {
        Some(dir) => child(Path::new(&dir)),
        None => parent(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lock_across_processes FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parent() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let lock = dir.path().join("counter.lock");
    write_private_atomic(dir.path().join("counter"), b"0").map_err(|e| e.to_string())?;

    // 1. While this process holds the lock, a child cannot take it.
    let held = FileLock::acquire(&lock).map_err(|e| e.to_string())?;
    let probe = spawn(dir.path(), "probe")?;
    let status = probe.wait_with_output().map_err(|e| e.to_string())?;
    if status.status.code() != Some(3) {
        return Err(format!(
            "probe child should have found the lock taken: {status:?}"
        ));
    }
    drop(held);

    // 2. Children doing read-modify-write under the lock lose no update.
    let children: Vec<_> = (0..CHILDREN)
        .map(|_| spawn(dir.path(), "count"))
        .collect::<Result<_, _>>()?;
    for c in children {
        let out = c.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("counting child failed: {out:?}"));
        }
    }
    let n = fs::read_to_string(dir.path().join("counter")).map_err(|e| e.to_string())?;
    let want = (CHILDREN as u64 * ROUNDS).to_string();
    if n != want {
        return Err(format!("lost updates: counter is {n}, expected {want}"));
    }
    println!("test lock_across_processes ... ok");
    Ok(())
}

fn spawn(dir: &Path, role: &str) -> Result<std::process::Child, String> {
    let exe = env::current_exe().map_err(|e| e.to_string())?;
    Command::new(exe)
        .env(CHILD_ENV, dir)
        .env("AWSCRED_FILES_LOCK_ROLE", role)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())
}

fn child(dir: &Path) -> Result<(), String> {
    let lock: PathBuf = dir.join("counter.lock");
    match env::var("AWSCRED_FILES_LOCK_ROLE").as_deref() {
        Ok("probe") => match FileLock::try_acquire(&lock).map_err(|e| e.to_string())? {
            // Exit code 3 tells the parent "locked by someone else".
            None => std::process::exit(3),
            Some(_) => Err("got a lock another process holds".into()),
        },
        Ok("count") => {
            let counter = dir.join("counter");
            let deadline = Instant::now() + Duration::from_secs(60);
            for _ in 0..ROUNDS {
                let _guard = FileLock::acquire(&lock).map_err(|e| e.to_string())?;
                let text = read_if_present(&counter)
                    .map_err(|e| e.to_string())?
                    .ok_or("counter file missing")?;
                let n: u64 = String::from_utf8_lossy(&text)
                    .parse()
                    .map_err(|_| "bad counter")?;
                thread::sleep(Duration::from_millis(1));
                write_private_atomic(&counter, (n + 1).to_string().as_bytes())
                    .map_err(|e| e.to_string())?;
                if Instant::now() > deadline {
                    return Err("took too long".into());
                }
            }
            Ok(())
        }
        other => Err(format!("unknown child role {other:?}")),
    }
}
