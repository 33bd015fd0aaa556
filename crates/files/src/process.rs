//! Running a `credential_process` command the way botocore does: split POSIX-shell style,
//! run without a shell, standard output and error captured.

use std::io;
use std::process::{Command, Stdio};

/// What the command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Exit code, `None` when a signal ended it.
    pub status: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

/// Runs `command_line`. Standard input stays the caller's, so a nested tool can still prompt.
pub fn run(command_line: &str) -> io::Result<Finished> {
    let words = shlex::split(command_line).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the command line has an unclosed quote or a trailing backslash",
        )
    })?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the command line is empty"))?;
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("could not start `{program}`: {e}")))?;
    Ok(Finished {
        status: output.status.code(),
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell_and_captures_output() {
        let f = run("sh -c 'echo \"a b\"; echo err >&2; exit 3'").unwrap();
        assert_eq!(f.status, Some(3));
        assert_eq!(f.stdout, b"a b\n");
        assert_eq!(f.stderr, b"err\n");
    }

    #[test]
    fn bad_command_lines_are_errors() {
        assert!(run("echo 'unclosed").is_err());
        assert!(run("   ").is_err());
        assert!(run("/nonexistent/awscred-test-binary").is_err());
    }
}
