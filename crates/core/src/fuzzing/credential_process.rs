//! Fuzz body for the `credential_process` target: the reader of what a `credential_process`
//! command printed, over arbitrary output and exit statuses.

use crate::flow::ProcessOutput;
use crate::printable::is_printable;
use crate::resolve::process::parse_output;

/// The longest error message the reader may produce for any output.
const MAX_MESSAGE: usize = 800;

/// Input layout: byte 0 picks the exit status (0 → 0, 255 → killed by a signal, else the byte),
/// byte 1 picks whether the profile has an `aws_account_id` (odd) or not; the rest is standard
/// output up to the first NUL and standard error after it.
pub fn run(data: &[u8]) {
    let (status, account, rest) = match data {
        [s, a, rest @ ..] => (*s, a % 2 == 1, rest),
        [s] => (*s, false, &[][..]),
        [] => (0, false, &[][..]),
    };
    let status = match status {
        255 => None,
        s => Some(i32::from(s)),
    };
    let (stdout, stderr) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (
            rest.get(..i).unwrap_or_default(),
            rest.get(i + 1..).unwrap_or_default(),
        ),
        None => (rest, &[][..]),
    };
    let output = ProcessOutput {
        status,
        stdout: stdout.to_vec(),
        stderr: stderr.to_vec(),
    };
    let fallback = account.then_some("111122223333");
    match parse_output("fuzz", &output, fallback) {
        Ok(credentials) => {
            assert_eq!(
                status,
                Some(0),
                "only a successful command gives credentials"
            );
            assert!(!credentials.access_key_id().is_empty());
            let _ = format!("{credentials:?} {credentials}");
        }
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.chars().all(is_printable),
                "an error shows no control characters: {message:?}"
            );
            assert!(
                message.chars().count() <= MAX_MESSAGE,
                "an error stays short: {} characters",
                message.chars().count()
            );
        }
    }
}
