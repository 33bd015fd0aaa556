//! The AssumeRole request members and the model's constraints on them (docs/sts.md §1).
//!
//! Checking them here turns a round trip that ends in a `ValidationError` into an immediate
//! error that says which value is wrong and what it must look like.

use crate::{Error, Secret};

/// Most session tags one request may carry (model: `tagListType` max 50).
pub const MAX_TAGS: usize = 50;

/// Every request member of AssumeRole. Build with [`AssumeRoleParams::new`] and the setters, or
/// fill the public fields directly; [`AssumeRoleParams::validate`] checks them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// `RoleArn`: the role to assume (20–2048 characters).
    pub role_arn: String,
    /// `RoleSessionName` (2–64 characters of `[A-Za-z0-9_+=,.@-]`).
    pub role_session_name: String,
    /// `DurationSeconds` (900–43200). Not sent when `None`, as the AWS CLI does.
    pub duration_seconds: Option<u32>,
    /// `ExternalId` (2–1224 characters of `[A-Za-z0-9_+=,.@:/-]`).
    pub external_id: Option<String>,
    /// `SerialNumber`: the MFA device (9–256 characters of `[A-Za-z0-9_+=/:,.@-]`).
    pub serial_number: Option<String>,
    /// `TokenCode`: the current MFA code (exactly 6 digits). Redacted in `Debug`.
    pub token_code: Option<Secret>,
    /// `Policy`: an inline session policy (JSON, at least 1 character).
    pub policy: Option<String>,
    /// `PolicyArns.member.N.arn`: managed session policies (each 20–2048 characters).
    pub policy_arns: Vec<String>,
    /// `Tags.member.N.Key` / `.Value`: session tags (at most 50).
    pub tags: Vec<(String, String)>,
    /// `TransitiveTagKeys.member.N` (at most 50 tag keys).
    pub transitive_tag_keys: Vec<String>,
    /// `SourceIdentity` (2–64 characters of `[A-Za-z0-9_+=,.@-]`).
    pub source_identity: Option<String>,
}

impl AssumeRoleParams {
    /// The two required members; everything else unset.
    pub fn new(role_arn: impl Into<String>, role_session_name: impl Into<String>) -> Self {
        AssumeRoleParams {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            duration_seconds: None,
            external_id: None,
            serial_number: None,
            token_code: None,
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
        }
    }

    /// Sets `DurationSeconds`.
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }

    /// Sets `ExternalId`.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets `SerialNumber` and `TokenCode` (MFA).
    pub fn mfa(mut self, serial_number: impl Into<String>, token_code: impl Into<Secret>) -> Self {
        self.serial_number = Some(serial_number.into());
        self.token_code = Some(token_code.into());
        self
    }

    /// Sets `Policy`.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// Adds one `PolicyArns` entry.
    pub fn policy_arn(mut self, arn: impl Into<String>) -> Self {
        self.policy_arns.push(arn.into());
        self
    }

    /// Adds one session tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Adds one `TransitiveTagKeys` entry.
    pub fn transitive_tag_key(mut self, key: impl Into<String>) -> Self {
        self.transitive_tag_keys.push(key.into());
        self
    }

    /// Sets `SourceIdentity`.
    pub fn source_identity(mut self, source_identity: impl Into<String>) -> Self {
        self.source_identity = Some(source_identity.into());
        self
    }

    /// Checks every member against the STS model's constraints.
    pub fn validate(&self) -> Result<(), Error> {
        check_role_arn("RoleArn", &self.role_arn)?;
        check_session_name("RoleSessionName", &self.role_session_name)?;
        if let Some(d) = self.duration_seconds {
            check_duration(d)?;
        }
        if let Some(id) = &self.external_id {
            check_chars(
                "ExternalId",
                id,
                2,
                1224,
                "letters, digits and _+=,.@:/-",
                |c| is_word(c) || "+=,.@:/-".contains(c),
            )?;
        }
        if let Some(serial) = &self.serial_number {
            check_chars(
                "SerialNumber",
                serial,
                9,
                256,
                "letters, digits and _+=/:,.@-",
                |c| is_word(c) || "+=/:,.@-".contains(c),
            )?;
        }
        if let Some(code) = &self.token_code {
            // Never quote the code itself: it is a one-time secret.
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::InvalidInput(
                    "TokenCode must be the 6-digit code shown by the MFA device".into(),
                ));
            }
            if self.serial_number.is_none() {
                return Err(Error::InvalidInput(
                    "TokenCode needs SerialNumber (the MFA device's ARN or serial number)".into(),
                ));
            }
        }
        if let Some(policy) = &self.policy {
            check_policy(policy)?;
        }
        check_policy_arns(&self.policy_arns)?;
        if self.tags.len() > MAX_TAGS {
            return Err(Error::InvalidInput(format!(
                "{} session tags given; AssumeRole accepts at most {MAX_TAGS}",
                self.tags.len()
            )));
        }
        for (key, value) in &self.tags {
            check_tag_key("a session tag key", key)?;
            if value.chars().count() > 256 || !value.chars().all(is_tag_char) {
                return Err(Error::InvalidInput(format!(
                    "the value of session tag `{key}` must be at most 256 letters, digits, spaces and _.:/=+-@"
                )));
            }
        }
        if self.transitive_tag_keys.len() > MAX_TAGS {
            return Err(Error::InvalidInput(format!(
                "{} transitive tag keys given; AssumeRole accepts at most {MAX_TAGS}",
                self.transitive_tag_keys.len()
            )));
        }
        for key in &self.transitive_tag_keys {
            check_tag_key("a transitive tag key", key)?;
        }
        if let Some(si) = &self.source_identity {
            check_session_name("SourceIdentity", si)?;
        }
        Ok(())
    }

    /// The form members after `Action` and `Version`, in botocore's order.
    pub(crate) fn form_members(&self) -> Vec<(String, String)> {
        let mut m = vec![
            ("RoleArn".to_string(), self.role_arn.clone()),
            (
                "RoleSessionName".to_string(),
                self.role_session_name.clone(),
            ),
        ];
        let mut opt = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.push((k.to_string(), v.clone()));
            }
        };
        opt(
            "DurationSeconds",
            &self.duration_seconds.map(|d| d.to_string()),
        );
        opt("ExternalId", &self.external_id);
        opt("SerialNumber", &self.serial_number);
        opt(
            "TokenCode",
            &self.token_code.as_ref().map(|c| c.expose().to_string()),
        );
        opt("Policy", &self.policy);
        for (i, (k, v)) in self.tags.iter().enumerate() {
            m.push((format!("Tags.member.{}.Key", i + 1), k.clone()));
            m.push((format!("Tags.member.{}.Value", i + 1), v.clone()));
        }
        for (i, k) in self.transitive_tag_keys.iter().enumerate() {
            m.push((format!("TransitiveTagKeys.member.{}", i + 1), k.clone()));
        }
        push_policy_arns(&mut m, &self.policy_arns);
        if let Some(si) = &self.source_identity {
            m.push(("SourceIdentity".to_string(), si.clone()));
        }
        m
    }
}

/// `PolicyArns.member.N.arn` pairs.
pub(crate) fn push_policy_arns(m: &mut Vec<(String, String)>, arns: &[String]) {
    for (i, arn) in arns.iter().enumerate() {
        m.push((format!("PolicyArns.member.{}.arn", i + 1), arn.clone()));
    }
}

/// `\w` in the model's Java regexes: ASCII letters, digits and `_`.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, approximated with std's Unicode classes.
fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}

/// Quotes a caller's value in an error, cut short so a pasted document does not flood the message.
fn quote(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        format!("`{value}`")
    } else {
        format!("`{}…`", value.chars().take(MAX).collect::<String>())
    }
}

fn check_chars(
    member: &str,
    value: &str,
    min: usize,
    max: usize,
    allowed: &str,
    ok: impl Fn(char) -> bool,
) -> Result<(), Error> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(Error::InvalidInput(format!(
            "{member} {} has {len} characters; it must have {min} to {max}",
            quote(value)
        )));
    }
    if let Some(bad) = value.chars().find(|c| !ok(*c)) {
        return Err(Error::InvalidInput(format!(
            "{member} {} contains {bad:?}; only {allowed} are allowed",
            quote(value)
        )));
    }
    Ok(())
}

pub(crate) fn check_role_arn(member: &str, arn: &str) -> Result<(), Error> {
    let len = arn.chars().count();
    if !(20..=2048).contains(&len) {
        return Err(Error::InvalidInput(format!(
            "{member} {} has {len} characters; an ARN such as arn:aws:iam::123456789012:role/name has 20 to 2048",
            quote(arn)
        )));
    }
    Ok(())
}

pub(crate) fn check_session_name(member: &str, name: &str) -> Result<(), Error> {
    check_chars(member, name, 2, 64, "letters, digits and _+=,.@-", |c| {
        is_word(c) || "+=,.@-".contains(c)
    })
}

pub(crate) fn check_duration(seconds: u32) -> Result<(), Error> {
    if !(900..=43200).contains(&seconds) {
        return Err(Error::InvalidInput(format!(
            "DurationSeconds {seconds} is out of range; use 900 (15 minutes) to 43200 (12 hours), within the role's maximum session duration"
        )));
    }
    Ok(())
}

pub(crate) fn check_policy(policy: &str) -> Result<(), Error> {
    if policy.is_empty() {
        return Err(Error::InvalidInput(
            "Policy is empty; give a JSON session policy or leave it out".into(),
        ));
    }
    Ok(())
}

pub(crate) fn check_policy_arns(arns: &[String]) -> Result<(), Error> {
    for arn in arns {
        check_role_arn("a PolicyArns entry", arn)?;
    }
    Ok(())
}

fn check_tag_key(what: &str, key: &str) -> Result<(), Error> {
    let len = key.chars().count();
    if !(1..=128).contains(&len) || !key.chars().all(is_tag_char) {
        return Err(Error::InvalidInput(format!(
            "{what} {} must be 1 to 128 letters, digits, spaces and _.:/=+-@",
            quote(key)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iam::123456789012:role/r";

    fn err(p: AssumeRoleParams) -> String {
        match p.validate() {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn accepts_the_full_set() {
        AssumeRoleParams::new(ARN, "s_e+=,.@-")
            .duration_seconds(900)
            .external_id("ext:/x")
            .mfa("arn:aws:iam::123456789012:mfa/u", "012345")
            .policy("{}")
            .policy_arn("arn:aws:iam::aws:policy/ReadOnly")
            .tag("k 1", "")
            .transitive_tag_key("k 1")
            .source_identity("si")
            .validate()
            .unwrap();
        AssumeRoleParams::new(ARN, "ss")
            .duration_seconds(43200)
            .validate()
            .unwrap();
    }

    #[test]
    fn names_the_wrong_member() {
        assert!(err(AssumeRoleParams::new("arn", "ss")).contains("RoleArn"));
        assert!(err(AssumeRoleParams::new(ARN, "s")).contains("RoleSessionName"));
        assert!(err(AssumeRoleParams::new(ARN, "s e")).contains("' '"));
        assert!(err(AssumeRoleParams::new(ARN, "x".repeat(65))).contains("65 characters"));
        assert!(err(AssumeRoleParams::new(ARN, "ss").duration_seconds(899)).contains("900"));
        assert!(err(AssumeRoleParams::new(ARN, "ss").duration_seconds(43201)).contains("43200"));
        assert!(err(AssumeRoleParams::new(ARN, "ss").external_id("a b")).contains("ExternalId"));
        assert!(err(AssumeRoleParams::new(ARN, "ss").policy("")).contains("Policy"));
        assert!(
            err(AssumeRoleParams::new(ARN, "ss").source_identity("!")).contains("SourceIdentity")
        );
        assert!(err(AssumeRoleParams::new(ARN, "ss").policy_arn("short")).contains("PolicyArns"));
        assert!(err(AssumeRoleParams::new(ARN, "ss").tag("", "v")).contains("tag key"));
        assert!(err(AssumeRoleParams::new(ARN, "ss").tag("k", "v!")).contains("`k`"));
        let mut many = AssumeRoleParams::new(ARN, "ss");
        many.tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(err(many).contains("at most 50"));
    }

    #[test]
    fn token_code_is_checked_but_never_quoted() {
        for code in ["12345", "1234567", "12345a", "98765x"] {
            let m = err(AssumeRoleParams::new(ARN, "ss").mfa("arn:aws:iam::1:mfa/u", code));
            assert!(m.contains("6-digit") && !m.contains(code), "{m}");
        }
        let mut no_serial = AssumeRoleParams::new(ARN, "ss");
        no_serial.token_code = Some("123456".into());
        assert!(err(no_serial).contains("SerialNumber"));
        let dbg = format!(
            "{:?}",
            AssumeRoleParams::new(ARN, "ss").mfa("arn:aws:iam::1:mfa/u", "654321")
        );
        assert!(!dbg.contains("654321"), "{dbg}");
    }
}
