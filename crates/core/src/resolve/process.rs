//! What a `credential_process` command printed (docs/cli-cache-and-credential-process.md §2), read as botocore's
//! `ProcessProvider` reads it. Messages never quote stdout: it holds the secret.

use serde_json::Value;

use crate::cache_codec::take_key;
use crate::flow::ProcessOutput;
use crate::printable::printable;
use crate::{Credentials, Error};

/// At most this many lines of stderr go into an error.
const STDERR_LINES: usize = 3;
/// At most this many characters of stderr go into an error.
const STDERR_CHARS: usize = 300;

/// The credentials `output` carries, or why there are none. `account_fallback` is the
/// profile's `aws_account_id`, used when the output has no `AccountId`.
pub(crate) fn parse_output(
    profile: &str,
    output: &ProcessOutput,
    account_fallback: Option<&str>,
) -> Result<Credentials, Error> {
    let fail = |what: String| Error::Process(format!("profile \"{profile}\": {what}"));
    if output.status != Some(0) {
        let mut what = match output.status {
            Some(code) => format!("the command exited with code {code}"),
            None => "the command was killed by a signal".to_string(),
        };
        let stderr = stderr_excerpt(&output.stderr);
        if !stderr.is_empty() {
            what.push_str(": ");
            what.push_str(&stderr);
        }
        return Err(fail(what));
    }
    let mut map = match serde_json::from_slice::<Value>(&output.stdout) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(fail(
                "could not parse response: invalid JSON (not a JSON object)".into(),
            ));
        }
        Err(e) => {
            return Err(fail(format!(
                "could not parse response: invalid JSON ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            )));
        }
    };
    match take_key(&mut map, "Version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => {
            return Err(fail(format!(
                "unsupported Version {n} (only Version 1 is supported)"
            )));
        }
        Some(_) => {
            return Err(fail(
                "unsupported Version (it must be the integer 1)".into(),
            ));
        }
        None => return Err(fail("missing Version (it must be the integer 1)".into())),
    }
    let mut text = |name: &str| -> Result<Option<String>, Error> {
        match take_key(&mut map, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(fail(format!("{name} is not a string"))),
        }
    };
    let access_key_id = text("AccessKeyId")?.ok_or_else(|| fail("missing AccessKeyId".into()))?;
    let secret = text("SecretAccessKey")?.ok_or_else(|| fail("missing SecretAccessKey".into()))?;
    let session_token = text("SessionToken")?;
    let expiry = match text("Expiration")? {
        None => None,
        Some(e) => Some(crate::time::parse(&e).ok_or_else(|| {
            fail("Expiration is not an ISO 8601 timestamp such as 2026-11-22T10:00:00Z".into())
        })?),
    };
    let account_id = text("AccountId")?.or_else(|| account_fallback.map(str::to_string));
    Ok(Credentials::new(access_key_id, secret, session_token, expiry).with_account_id(account_id))
}

/// The first lines of stderr on one line, control and invisible formatting characters
/// dropped, cut short: enough to tell what went wrong, too little to carry much of anything
/// the command should not have printed.
fn stderr_excerpt(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<String> = text
        .lines()
        .map(|l| printable(l, STDERR_CHARS))
        .filter(|l| !l.is_empty())
        .take(STDERR_LINES)
        .collect();
    printable(&lines.join(" | "), STDERR_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(stderr: Vec<u8>) -> String {
        let output = ProcessOutput {
            status: Some(2),
            stdout: b"{\"Version\": 1, \"AccessKeyId\": \"AKIDSECRETSTDOUT\"}".to_vec(),
            stderr,
        };
        parse_output("p", &output, None).unwrap_err().to_string()
    }

    #[test]
    fn a_failure_gives_the_status_and_a_short_clean_excerpt() {
        let mut stderr = b"\x1b]0;pwned\x07\x1b[31mbad \xe2\x80\xaeword\r\nsecond\n".to_vec();
        stderr.extend(std::iter::repeat_n(b'x', 1_000_000));
        let message = failed(stderr);
        assert!(message.contains("exited with code 2"), "{message}");
        assert!(message.contains("bad word | second"), "{message}");
        assert!(!message.contains("AKIDSECRETSTDOUT"), "{message}");
        assert!(
            message.chars().all(crate::printable::is_printable),
            "{message:?}"
        );
        assert!(
            message.chars().count() < STDERR_CHARS + 100,
            "{}",
            message.len()
        );
    }
}
