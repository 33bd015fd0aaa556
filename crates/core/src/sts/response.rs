//! Reading the `<…Result>` of AssumeRole and AssumeRoleWithWebIdentity (docs/sts.md §3).

use crate::Credentials;
use crate::Error;

use crate::wire::query_xml::xml::{self, Extract};

/// What AssumeRole and AssumeRoleWithWebIdentity return. `Debug` shows no secret
/// (see [`Credentials`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRole {
    /// The temporary credentials, with their expiry and the account id taken from
    /// `AssumedRoleUser/Arn` when it is there.
    pub credentials: Credentials,
    /// `AssumedRoleUser/AssumedRoleId`, e.g. `AROA…:session`.
    pub assumed_role_id: Option<String>,
    /// `AssumedRoleUser/Arn`, e.g. `arn:aws:sts::123456789012:assumed-role/role/session`.
    pub arn: Option<String>,
    /// `PackedPolicySize`: how full the session policies and tags are, in percent.
    pub packed_policy_size: Option<u32>,
    /// `SourceIdentity`, when the session carries one.
    pub source_identity: Option<String>,
}

/// The account id of an ARN: its 5th `:`-separated field (botocore, Go and Rust agree).
pub(crate) fn account_of_arn(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

/// Reads an `<{operation}Response><{operation}Result>…` success body.
pub(crate) fn parse_assumed_role(
    operation: &'static str,
    body: &[u8],
) -> Result<AssumedRole, Error> {
    let result = format!("{operation}Result");
    let r = result.as_str();
    const FIELDS: [&str; 8] = [
        "Credentials/AccessKeyId",
        "Credentials/SecretAccessKey",
        "Credentials/SessionToken",
        "Credentials/Expiration",
        "AssumedRoleUser/AssumedRoleId",
        "AssumedRoleUser/Arn",
        "PackedPolicySize",
        "SourceIdentity",
    ];
    let paths: Vec<Vec<&str>> = FIELDS
        .iter()
        .map(|f| std::iter::once(r).chain(f.split('/')).collect())
        .collect();
    let wanted: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
    let found = xml::extract(body, &wanted).map_err(|e| Error::malformed(operation, e.0))?;
    let Extract { root, values } = found;
    let mut values = values.into_iter();
    let mut next = || values.next().flatten();
    let (access_key_id, secret, token, expiration) = (next(), next(), next(), next());
    let (assumed_role_id, arn, packed_policy_size, source_identity) =
        (next(), next(), next(), next());

    let missing = |field: &str| {
        let mut what = format!("it has no {result}/{field}");
        let expected_root = format!("{operation}Response");
        if let Some(root) = root.as_deref().filter(|r| *r != expected_root) {
            what.push_str(&format!(
                " (its root element is <{}>, expected <{expected_root}>)",
                cut(root)
            ));
        }
        Error::malformed(operation, what)
    };
    let access_key_id = access_key_id.ok_or_else(|| missing(FIELDS[0]))?;
    let secret = secret.ok_or_else(|| missing(FIELDS[1]))?;
    let token = token.ok_or_else(|| missing(FIELDS[2]))?;
    let expiration = expiration.ok_or_else(|| missing(FIELDS[3]))?;
    let expiry = crate::time::parse(&expiration).ok_or_else(|| {
        Error::malformed(
            operation,
            format!(
                "{result}/Credentials/Expiration `{}` is not an ISO 8601 timestamp",
                cut(&expiration)
            ),
        )
    })?;
    let account_id = arn.as_deref().and_then(account_of_arn);
    Ok(AssumedRole {
        credentials: Credentials::new(access_key_id, secret, Some(token), Some(expiry))
            .with_account_id(account_id),
        assumed_role_id,
        arn,
        // Informational only: a value we cannot read must not cost the caller its credentials.
        packed_policy_size: packed_policy_size.and_then(|s| s.parse().ok()),
        source_identity,
    })
}

/// A response value quoted in an error, cut short.
pub(crate) fn cut(s: &str) -> String {
    const MAX: usize = 64;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_is_the_fifth_field() {
        assert_eq!(
            account_of_arn("arn:aws:sts::123456789012:assumed-role/r/s").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_of_arn("arn:aws:sts:::x"), None);
        assert_eq!(account_of_arn("nonsense"), None);
    }
}
