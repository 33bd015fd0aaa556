//! AWS credentials and the ways `aws configure export-credentials` prints them.

use std::fmt;
use std::time::SystemTime;

use crate::Secret;

/// A set of AWS credentials. `Debug` and `Display` never show the secret or the session token
/// (both are [`Secret`]s; `Debug` is written out to show the expiry as a timestamp).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
}

impl Credentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expiry: Option<SystemTime>,
    ) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret_access_key),
            session_token: session_token.map(Secret::from),
            expiry,
            account_id: None,
        }
    }

    /// The same credentials, tagged with the account they belong to.
    pub fn with_account_id(mut self, account_id: Option<String>) -> Self {
        self.account_id = account_id;
        self
    }

    /// The access key id (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Handle with care.
    pub fn secret_access_key(&self) -> &str {
        self.secret_access_key.expose()
    }

    /// The session token of temporary credentials. Handle with care.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// When these credentials stop working (`None` for long-term keys).
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// The account these credentials belong to, when known.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// Prints these credentials in `format`, byte for byte as `aws configure export-credentials`.
    ///
    /// The line formats (`env`, `env-no-export`, `fish`, `powershell`, `windows-cmd`) are meant
    /// to be run by a shell (`eval "$(awscred credentials --format env)"`) and quote nothing, as
    /// the AWS CLI's do not. So every value they print is first checked against the characters
    /// real AWS credentials are made of ([`ExportField::allows`]); a value with anything else —
    /// `$(…)`, a backtick, a quote, a newline, `;` — would be run by that shell, and is refused
    /// with an error naming the field (never its value). `process` is JSON with every string
    /// escaped, and is never refused.
    pub fn export(&self, format: ExportFormat) -> Result<String, crate::Error> {
        let expiration = self.expiry.map(crate::time::format_offset);
        if format == ExportFormat::Process {
            return Ok(self.process_json(expiration.as_deref()));
        }
        let mut fields = vec![
            (ExportField::AccessKeyId, self.access_key_id.as_str()),
            (
                ExportField::SecretAccessKey,
                self.secret_access_key.expose(),
            ),
        ];
        if let Some(t) = &self.session_token {
            fields.push((ExportField::SessionToken, t.expose()));
        }
        if let Some(e) = &expiration {
            fields.push((ExportField::Expiration, e));
        }
        let mut out = String::new();
        for (field, value) in fields {
            if let Some(at) = value.bytes().position(|b| !field.allows(b)) {
                return Err(unsafe_for_shell(field, format, at));
            }
            let name = field.variable();
            let line = match format {
                ExportFormat::Env => format!("export {name}={value}\n"),
                ExportFormat::EnvNoExport => format!("{name}={value}\n"),
                ExportFormat::Powershell => format!("$Env:{name}=\"{value}\"\n"),
                ExportFormat::WindowsCmd => format!("set {name}={value}\n"),
                ExportFormat::Fish => format!("set -gx {name} \"{value}\"\n"),
                ExportFormat::Process => unreachable!("handled above"),
            };
            out.push_str(&line);
        }
        Ok(out)
    }

    /// Python's `json.dumps(..., indent=2, separators=(',', ': '))` of the Version 1 document.
    fn process_json(&self, expiration: Option<&str>) -> String {
        let s = |v: &str| serde_json::Value::String(v.to_string()).to_string();
        let mut fields = vec![
            ("Version", "1".to_string()),
            ("AccessKeyId", s(&self.access_key_id)),
            ("SecretAccessKey", s(&self.secret_access_key)),
        ];
        if let Some(t) = &self.session_token {
            fields.push(("SessionToken", s(t)));
        }
        if let Some(e) = expiration {
            fields.push(("Expiration", s(e)));
        }
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("  \"{k}\": {v}"))
            .collect();
        format!("{{\n{}\n}}\n", body.join(",\n"))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiry", &self.expiry.map(crate::time::format_z))
            .field("account_id", &self.account_id)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credentials {}", self.access_key_id)?;
        if let Some(a) = &self.account_id {
            write!(f, " for account {a}")?;
        }
        if let Some(e) = self.expiry {
            write!(f, ", expiring {}", crate::time::format_z(e))?;
        }
        Ok(())
    }
}

/// A value the line formats of [`Credentials::export`] print, and the characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportField {
    /// `AWS_ACCESS_KEY_ID`: word characters, the pattern IAM and STS document for
    /// `AccessKeyId` (`[\w]+`; real ones are `AKIA…`/`ASIA…` in upper case and digits).
    AccessKeyId,
    /// `AWS_SECRET_ACCESS_KEY`: base64 (`A–Z a–z 0–9 + / =`), and the URL-safe `-` and `_`.
    SecretAccessKey,
    /// `AWS_SESSION_TOKEN`: the same alphabet as the secret (STS and the SSO portal issue
    /// base64 tokens).
    SessionToken,
    /// `AWS_CREDENTIAL_EXPIRATION`: an ISO 8601 timestamp (`0–9 T Z : . + -`).
    Expiration,
}

impl ExportField {
    /// The environment variable the field is printed as.
    pub fn variable(self) -> &'static str {
        match self {
            ExportField::AccessKeyId => "AWS_ACCESS_KEY_ID",
            ExportField::SecretAccessKey => "AWS_SECRET_ACCESS_KEY",
            ExportField::SessionToken => "AWS_SESSION_TOKEN",
            ExportField::Expiration => "AWS_CREDENTIAL_EXPIRATION",
        }
    }

    /// How people call the field.
    fn describe(self) -> &'static str {
        match self {
            ExportField::AccessKeyId => "access key id",
            ExportField::SecretAccessKey => "secret access key",
            ExportField::SessionToken => "session token",
            ExportField::Expiration => "expiration",
        }
    }

    /// Whether `byte` may appear in this field. Every allowed byte is inert in all five line
    /// formats: outside quotes in POSIX shells and `cmd.exe`, inside double quotes in fish and
    /// PowerShell (none is `$`, `` ` ``, `\`, `"`, `%`, `^`, `&`, `;`, a space or a control
    /// character).
    pub fn allows(self, byte: u8) -> bool {
        match self {
            ExportField::AccessKeyId => byte.is_ascii_alphanumeric() || byte == b'_',
            ExportField::SecretAccessKey | ExportField::SessionToken => {
                byte.is_ascii_alphanumeric() || b"+/=-_".contains(&byte)
            }
            ExportField::Expiration => byte.is_ascii_digit() || b"TZ:.+-".contains(&byte),
        }
    }
}

fn unsafe_for_shell(field: ExportField, format: ExportFormat, at: usize) -> crate::Error {
    crate::Error::InvalidInput(format!(
        "refusing to print these credentials as `{format}`: the {what} ({variable}) has a \
         character at byte {at} that AWS credentials never contain, and a shell reading this \
         output could run it as a command. Check where the credentials came from (the \
         credential_process command, the AWS CLI cache in ~/.aws/cli/cache, or the service); \
         `--format process` prints them as escaped JSON",
        what = field.describe(),
        variable = field.variable(),
    ))
}

/// The output formats of `aws configure export-credentials --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `credential_process` JSON (Version 1).
    Process,
    /// `export AWS_ACCESS_KEY_ID=…` lines for POSIX shells.
    Env,
    /// `AWS_ACCESS_KEY_ID=…` lines.
    EnvNoExport,
    /// `$Env:AWS_ACCESS_KEY_ID="…"` lines.
    Powershell,
    /// `set AWS_ACCESS_KEY_ID=…` lines.
    WindowsCmd,
    /// `set -gx AWS_ACCESS_KEY_ID "…"` lines.
    Fish,
}

impl ExportFormat {
    /// Every format, in the AWS CLI's order.
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Process,
        ExportFormat::Env,
        ExportFormat::EnvNoExport,
        ExportFormat::Powershell,
        ExportFormat::WindowsCmd,
        ExportFormat::Fish,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Process => "process",
            ExportFormat::Env => "env",
            ExportFormat::EnvNoExport => "env-no-export",
            ExportFormat::Powershell => "powershell",
            ExportFormat::WindowsCmd => "windows-cmd",
            ExportFormat::Fish => "fish",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            crate::Error::InvalidInput(format!(
                "unknown format `{s}`; use one of process, env, env-no-export, powershell, windows-cmd, fish"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials::new(
            "ASIA1",
            "SECRETSECRET",
            Some("TOKENTOKEN".into()),
            crate::time::from_epoch_secs(1_795_341_600),
        )
        .with_account_id(Some("123456789012".into()))
    }

    #[test]
    fn debug_and_display_hide_secrets() {
        for s in [format!("{:?}", creds()), creds().to_string()] {
            assert!(
                !s.contains("SECRETSECRET") && !s.contains("TOKENTOKEN"),
                "{s}"
            );
            assert!(s.contains("ASIA1"));
        }
    }

    #[test]
    fn process_format_matches_the_cli() {
        assert_eq!(
            creds().export(ExportFormat::Process).unwrap(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIA1\",\n  \"SecretAccessKey\": \"SECRETSECRET\",\n  \"SessionToken\": \"TOKENTOKEN\",\n  \"Expiration\": \"2026-11-22T10:00:00+00:00\"\n}\n"
        );
        let long_term = Credentials::new("AKIA", "S", None, None);
        assert_eq!(
            long_term.export(ExportFormat::Process).unwrap(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIA\",\n  \"SecretAccessKey\": \"S\"\n}\n"
        );
    }

    #[test]
    fn line_formats_match_the_cli() {
        let c = creds();
        assert_eq!(
            c.export(ExportFormat::Env).unwrap(),
            "export AWS_ACCESS_KEY_ID=ASIA1\nexport AWS_SECRET_ACCESS_KEY=SECRETSECRET\nexport AWS_SESSION_TOKEN=TOKENTOKEN\nexport AWS_CREDENTIAL_EXPIRATION=2026-11-22T10:00:00+00:00\n"
        );
        assert!(
            c.export(ExportFormat::EnvNoExport)
                .unwrap()
                .starts_with("AWS_ACCESS_KEY_ID=ASIA1\n")
        );
        assert!(
            c.export(ExportFormat::Powershell)
                .unwrap()
                .starts_with("$Env:AWS_ACCESS_KEY_ID=\"ASIA1\"\n")
        );
        assert!(
            c.export(ExportFormat::WindowsCmd)
                .unwrap()
                .starts_with("set AWS_ACCESS_KEY_ID=ASIA1\n")
        );
        assert!(
            c.export(ExportFormat::Fish)
                .unwrap()
                .starts_with("set -gx AWS_ACCESS_KEY_ID \"ASIA1\"\n")
        );
        assert_eq!("fish".parse::<ExportFormat>(), Ok(ExportFormat::Fish));
        assert!("json".parse::<ExportFormat>().is_err());
    }

    const LINE_FORMATS: [ExportFormat; 5] = [
        ExportFormat::Env,
        ExportFormat::EnvNoExport,
        ExportFormat::Fish,
        ExportFormat::Powershell,
        ExportFormat::WindowsCmd,
    ];

    #[test]
    fn shell_metacharacters_are_refused_in_every_line_format() {
        let hostile = [
            "$(touch /tmp/pwned)",
            "`touch /tmp/pwned`",
            "a\"; touch /tmp/pwned; \"",
            "a'b",
            "a\nexport PATH=/tmp",
            "a;touch /tmp/pwned",
            "a b",
            "%PATH%",
            "a&calc",
            "a|b",
            "a\\b",
            "${HOME}",
            "a\rb",
            "é",
        ];
        for value in hostile {
            let as_secret = Credentials::new("ASIA1", value, Some("TOKEN".into()), None);
            let as_token = Credentials::new("ASIA1", "SECRET", Some(value.into()), None);
            let as_key = Credentials::new(value, "SECRET", None, None);
            for format in LINE_FORMATS {
                for (creds, variable) in [
                    (&as_secret, "AWS_SECRET_ACCESS_KEY"),
                    (&as_token, "AWS_SESSION_TOKEN"),
                    (&as_key, "AWS_ACCESS_KEY_ID"),
                ] {
                    let e = creds
                        .export(format)
                        .expect_err(&format!("{format}: {value:?} in {variable} is refused"));
                    let text = e.to_string();
                    assert!(text.contains(variable), "{text}");
                    assert!(text.contains(format.name()), "{text}");
                    assert!(!text.contains(value), "the error shows the value: {text}");
                    assert!(matches!(e, crate::Error::InvalidInput(_)), "{e:?}");
                }
            }
            // JSON escapes everything: the process format prints it, escaped.
            let json = as_secret.export(ExportFormat::Process).unwrap();
            let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(parsed["SecretAccessKey"], value);
        }
    }

    #[test]
    fn real_looking_credentials_pass_every_line_format() {
        let real = Credentials::new(
            "ASIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+/=",
            Some("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==_-".into()),
            crate::time::from_epoch_secs(1_795_341_600),
        );
        for format in LINE_FORMATS {
            let out = real.export(format).unwrap();
            assert_eq!(out.lines().count(), 4, "{out}");
            assert!(out.contains("2026-11-22T10:00:00+00:00"), "{out}");
        }
        assert_eq!(
            Credentials::new("AKIA_1", "", None, None)
                .export(ExportFormat::Env)
                .unwrap(),
            "export AWS_ACCESS_KEY_ID=AKIA_1\nexport AWS_SECRET_ACCESS_KEY=\n"
        );
    }
}
