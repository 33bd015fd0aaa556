//! AWS credentials and the ways `aws configure export-credentials` prints them.

use std::fmt;
use std::time::SystemTime;

/// A set of AWS credentials. `Debug` and `Display` never show the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
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
            secret_access_key: secret_access_key.into(),
            session_token,
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
        &self.secret_access_key
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
    pub fn export(&self, format: ExportFormat) -> String {
        let expiration = self.expiry.map(crate::time::format_offset);
        if format == ExportFormat::Process {
            return self.process_json(expiration.as_deref());
        }
        let mut out = String::new();
        let mut line = |name: &str, value: &str| {
            let l = match format {
                ExportFormat::Env => format!("export {name}={value}\n"),
                ExportFormat::EnvNoExport => format!("{name}={value}\n"),
                ExportFormat::Powershell => format!("$Env:{name}=\"{value}\"\n"),
                ExportFormat::WindowsCmd => format!("set {name}={value}\n"),
                ExportFormat::Fish => format!("set -gx {name} \"{value}\"\n"),
                ExportFormat::Process => unreachable!("handled above"),
            };
            out.push_str(&l);
        };
        line("AWS_ACCESS_KEY_ID", &self.access_key_id);
        line("AWS_SECRET_ACCESS_KEY", &self.secret_access_key);
        if let Some(t) = &self.session_token {
            line("AWS_SESSION_TOKEN", t);
        }
        if let Some(e) = &expiration {
            line("AWS_CREDENTIAL_EXPIRATION", e);
        }
        out
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
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
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
            creds().export(ExportFormat::Process),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIA1\",\n  \"SecretAccessKey\": \"SECRETSECRET\",\n  \"SessionToken\": \"TOKENTOKEN\",\n  \"Expiration\": \"2026-11-22T10:00:00+00:00\"\n}\n"
        );
        let long_term = Credentials::new("AKIA", "S", None, None);
        assert_eq!(
            long_term.export(ExportFormat::Process),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"AKIA\",\n  \"SecretAccessKey\": \"S\"\n}\n"
        );
    }

    #[test]
    fn line_formats_match_the_cli() {
        let c = creds();
        assert_eq!(
            c.export(ExportFormat::Env),
            "export AWS_ACCESS_KEY_ID=ASIA1\nexport AWS_SECRET_ACCESS_KEY=SECRETSECRET\nexport AWS_SESSION_TOKEN=TOKENTOKEN\nexport AWS_CREDENTIAL_EXPIRATION=2026-11-22T10:00:00+00:00\n"
        );
        assert!(
            c.export(ExportFormat::EnvNoExport)
                .starts_with("AWS_ACCESS_KEY_ID=ASIA1\n")
        );
        assert!(
            c.export(ExportFormat::Powershell)
                .starts_with("$Env:AWS_ACCESS_KEY_ID=\"ASIA1\"\n")
        );
        assert!(
            c.export(ExportFormat::WindowsCmd)
                .starts_with("set AWS_ACCESS_KEY_ID=ASIA1\n")
        );
        assert!(
            c.export(ExportFormat::Fish)
                .starts_with("set -gx AWS_ACCESS_KEY_ID \"ASIA1\"\n")
        );
        assert_eq!("fish".parse::<ExportFormat>(), Ok(ExportFormat::Fish));
        assert!("json".parse::<ExportFormat>().is_err());
    }
}
