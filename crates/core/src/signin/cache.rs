//! The login cache file, `~/.aws/login/cache/<sha256 hex of login_session>.json`, read and
//! written as the AWS CLI v2 does (botocore `utils.py`: `generate_login_cache_key`,
//! `get_login_token_cache_directory`, `LoginTokenLoader`; awscli/customizations/login/utils.py
//! for the layout). See `docs/login-session.md`.
//!
//! The CLI writes `json.dumps(token)` with the default separators, its members in the order
//! `accessToken` {`accessKeyId`, `secretAccessKey`, `sessionToken`, `accountId`, `expiresAt`},
//! `tokenType`, `clientId`, `refreshToken`, `idToken`, `dpopKey`; a refresh replaces
//! `accessToken` and `refreshToken` in place. [`LoginToken::to_json`] writes that order byte
//! for byte, then any member it does not know, so a file either tool wrote is what the other
//! would have written.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::cache_codec::parse_object;
use crate::cache_codec::py_json::{self, Separators};
use crate::config::{Env, Platform};
use crate::{Credentials, Error, Secret};

const ACCESS_TOKEN: &str = "accessToken";
const TOKEN_TYPE: &str = "tokenType";
const CLIENT_ID: &str = "clientId";
const REFRESH_TOKEN: &str = "refreshToken";
const ID_TOKEN: &str = "idToken";
const DPOP_KEY: &str = "dpopKey";
const KNOWN: [&str; 6] = [
    ACCESS_TOKEN,
    TOKEN_TYPE,
    CLIENT_ID,
    REFRESH_TOKEN,
    ID_TOKEN,
    DPOP_KEY,
];

/// `<sha256 hex of login_session>.json` (botocore `generate_login_cache_key`: the UTF-8 bytes of
/// the value as configured).
pub fn cache_file_name(login_session: &str) -> String {
    format!(
        "{}.json",
        hex::encode(Sha256::digest(login_session.as_bytes()))
    )
}

/// The login cache directory: `AWS_LOGIN_CACHE_DIRECTORY` (with `$VAR`, `${VAR}` and a leading
/// `~` expanded, as botocore's `expandvars` + `expanduser`), else `<home>/.aws/login/cache`.
pub fn cache_dir(env: &Env, home: &Path, platform: Platform) -> PathBuf {
    let home_str = home.to_string_lossy();
    let home_str = home_str.trim_end_matches(['/', '\\']);
    if let Some(dir) = env.get("AWS_LOGIN_CACHE_DIRECTORY") {
        let dir = expand_vars(dir, env);
        return match dir.strip_prefix('~') {
            Some("") => PathBuf::from(home_str),
            Some(rest) if rest.starts_with(['/', '\\']) => {
                PathBuf::from(format!("{home_str}{rest}"))
            }
            _ => PathBuf::from(dir),
        };
    }
    let sep = platform.separator();
    PathBuf::from(format!("{home_str}{sep}.aws{sep}login{sep}cache"))
}

/// Python's `os.path.expandvars` on POSIX: `$NAME` and `${NAME}` of set variables are replaced,
/// anything else is left as it is.
fn expand_vars(text: &str, env: &Env) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env.get(name).filter(|_| !name.is_empty()) {
            Some(value) => {
                out.push_str(value);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a file of the login cache directory is a login session's, which `logout --all`
/// removes: a JSON object whose `accessToken` is an object with `accessKeyId` (awscli
/// `customizations/login/logout.py`, `LoginTokenSweeper._should_delete`).
pub fn is_login_cache_file(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|v| {
            v.get(ACCESS_TOKEN)
                .and_then(Value::as_object)
                .map(|a| a.contains_key("accessKeyId"))
        })
        .unwrap_or(false)
}

/// A login session's cache file. `Debug` shows no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginToken {
    /// `accessToken`: the session's current credentials, their `expiresAt` and `accountId`.
    pub credentials: Credentials,
    /// `tokenType` (`aws_sigv4`).
    pub token_type: Option<String>,
    /// `clientId`: the client the session was created by (`arn:aws:signin:::devtools/…`).
    pub client_id: String,
    /// `refreshToken`: replaced by every refresh.
    pub refresh_token: Secret,
    /// `idToken`: the JWT whose `sub` is the login session.
    pub id_token: Option<Secret>,
    /// `dpopKey`: the session's P-256 key, PEM.
    pub dpop_key: Secret,
    /// Members awscred does not know, written back after the known ones.
    pub unknown: Map<String, Value>,
}

fn invalid(what: &str) -> Error {
    Error::InvalidInput(format!("login cache file: {what}"))
}

fn string_member(map: &mut Map<String, Value>, name: &str) -> Result<Option<String>, Error> {
    match map.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(&format!("`{name}` is not a string"))),
    }
}

impl LoginToken {
    /// Reads a cache file. Like botocore's `LoginCredentialFetcher`, `accessToken`,
    /// `refreshToken`, `dpopKey` and `clientId` are required; the credentials inside
    /// `accessToken` must be complete and `expiresAt` a timestamp.
    pub fn parse(bytes: &[u8]) -> Result<LoginToken, Error> {
        let mut map = parse_object(bytes, "login cache file")?;
        let missing: Vec<&str> = [ACCESS_TOKEN, REFRESH_TOKEN, DPOP_KEY, CLIENT_ID]
            .into_iter()
            .filter(|k| !map.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(invalid(&format!(
                "missing required fields: {}",
                missing.join(", ")
            )));
        }
        let mut access = match map.remove(ACCESS_TOKEN) {
            Some(Value::Object(m)) => m,
            _ => return Err(invalid("`accessToken` is not an object")),
        };
        let mut need = |name: &str| -> Result<String, Error> {
            string_member(&mut access, name)?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid(&format!("`accessToken.{name}` is missing")))
        };
        let access_key_id = need("accessKeyId")?;
        let secret = need("secretAccessKey")?;
        let session_token = need("sessionToken")?;
        let expires_at = need("expiresAt")?;
        let expires_at = crate::time::parse(&expires_at)
            .ok_or_else(|| invalid("`accessToken.expiresAt` is not an ISO 8601 timestamp"))?;
        let account_id = string_member(&mut access, "accountId")?;
        let credentials =
            Credentials::new(access_key_id, secret, Some(session_token), Some(expires_at))
                .with_account_id(account_id);
        let client_id =
            string_member(&mut map, CLIENT_ID)?.ok_or_else(|| invalid("`clientId` is missing"))?;
        let refresh_token = string_member(&mut map, REFRESH_TOKEN)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("`refreshToken` is empty"))?;
        let dpop_key =
            string_member(&mut map, DPOP_KEY)?.ok_or_else(|| invalid("`dpopKey` is missing"))?;
        Ok(LoginToken {
            credentials,
            token_type: string_member(&mut map, TOKEN_TYPE)?,
            client_id,
            refresh_token: refresh_token.into(),
            id_token: string_member(&mut map, ID_TOKEN)?.map(Secret::from),
            dpop_key: dpop_key.into(),
            unknown: map,
        })
    }

    /// When the credentials expire.
    pub fn expires_at(&self) -> SystemTime {
        self.credentials.expiry().unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// The file's bytes, as the AWS CLI writes them.
    pub fn to_json(&self) -> Vec<u8> {
        let s = |v: &str| Value::String(v.to_string());
        let c = &self.credentials;
        let access = py_json::Node::Object(vec![
            ("accessKeyId".into(), s(c.access_key_id()).into()),
            ("secretAccessKey".into(), s(c.secret_access_key()).into()),
            (
                "sessionToken".into(),
                s(c.session_token().unwrap_or_default()).into(),
            ),
            (
                "accountId".into(),
                c.account_id().map_or(Value::Null, s).into(),
            ),
            (
                "expiresAt".into(),
                s(&crate::time::format_z(self.expires_at())).into(),
            ),
        ]);
        let mut members: Vec<(String, py_json::Node)> = vec![(ACCESS_TOKEN.into(), access)];
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                members.push((k.into(), s(v).into()));
            }
        };
        put(TOKEN_TYPE, self.token_type.as_deref());
        put(CLIENT_ID, Some(&self.client_id));
        put(REFRESH_TOKEN, Some(self.refresh_token.expose()));
        put(ID_TOKEN, self.id_token.as_deref());
        put(DPOP_KEY, Some(self.dpop_key.expose()));
        for (k, v) in &self.unknown {
            if !KNOWN.contains(&k.as_str()) {
                members.push((k.clone(), v.clone().into()));
            }
        }
        py_json::dumps_node(&py_json::Node::Object(members), Separators::Default).into_bytes()
    }

    /// The token after a refresh at `now`: new credentials (the account kept, as botocore
    /// does), expiring `expires_in` seconds later, and the rotated refresh token.
    #[cfg(feature = "login-session")]
    #[cfg_attr(docsrs, doc(cfg(feature = "login-session")))]
    pub fn refreshed(&self, output: &super::TokenOutput, now: SystemTime) -> LoginToken {
        let expiry = now + std::time::Duration::from_secs(output.expires_in);
        let credentials = Credentials::new(
            output.access_key_id.clone(),
            output.secret_access_key.expose(),
            Some(output.session_token.expose().to_string()),
            Some(expiry),
        )
        .with_account_id(self.credentials.account_id().map(str::to_string));
        LoginToken {
            credentials,
            refresh_token: output.refresh_token.clone(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in the layout `aws login` writes (json.dumps, default separators).
    pub(crate) const CLI_FILE: &str = "{\"accessToken\": {\"accessKeyId\": \"ASIAEXAMPLE\", \"secretAccessKey\": \"sk\", \"sessionToken\": \"st\", \"accountId\": \"012345678910\", \"expiresAt\": \"2027-01-15T10:15:00Z\"}, \"tokenType\": \"aws_sigv4\", \"clientId\": \"arn:aws:signin:::devtools/same-device\", \"refreshToken\": \"rt\", \"idToken\": \"a.b.c\", \"dpopKey\": \"-----BEGIN EC PRIVATE KEY-----\\nAAAA\\n-----END EC PRIVATE KEY-----\\n\"}";

    #[test]
    fn cli_file_round_trips_byte_for_byte() {
        let token = LoginToken::parse(CLI_FILE.as_bytes()).unwrap();
        assert_eq!(token.client_id, "arn:aws:signin:::devtools/same-device");
        assert_eq!(token.credentials.account_id(), Some("012345678910"));
        assert_eq!(String::from_utf8(token.to_json()).unwrap(), CLI_FILE);
        assert!(!format!("{token:?}").contains("\"sk\""));
    }

    #[test]
    fn unknown_members_kept_and_required_ones_checked() {
        let mut v: Value = serde_json::from_str(CLI_FILE).unwrap();
        v["zz"] = Value::Bool(true);
        let token = LoginToken::parse(v.to_string().as_bytes()).unwrap();
        assert!(
            String::from_utf8(token.to_json())
                .unwrap()
                .ends_with(", \"zz\": true}")
        );
        for gone in ["accessToken", "refreshToken", "dpopKey", "clientId"] {
            let mut v: Value = serde_json::from_str(CLI_FILE).unwrap();
            v.as_object_mut().unwrap().remove(gone);
            let e = LoginToken::parse(v.to_string().as_bytes()).unwrap_err();
            assert!(e.to_string().contains(gone), "{e}");
        }
        assert!(LoginToken::parse(b"[]").is_err());
        assert!(is_login_cache_file(CLI_FILE.as_bytes()));
        assert!(!is_login_cache_file(br#"{"accessToken": "an SSO token"}"#));
        assert!(!is_login_cache_file(b"not json"));
    }

    #[test]
    fn file_name_and_directory() {
        // sha256("arn:aws:sts::012345678910:assumed-role/Admin/admin")
        let name = cache_file_name("arn:aws:sts::012345678910:assumed-role/Admin/admin");
        assert_eq!(name.len(), 64 + 5);
        assert_eq!(
            name,
            format!(
                "{}.json",
                hex::encode(Sha256::digest(
                    b"arn:aws:sts::012345678910:assumed-role/Admin/admin"
                ))
            )
        );
        let home = Path::new("/home/u");
        let env = Env::from_pairs([("HOME", "/home/u")]);
        assert_eq!(
            cache_dir(&env, home, Platform::Unix),
            PathBuf::from("/home/u/.aws/login/cache")
        );
        let env = Env::from_pairs([
            ("X", "/x"),
            ("AWS_LOGIN_CACHE_DIRECTORY", "${X}/c/$X/$NOPE"),
        ]);
        assert_eq!(
            cache_dir(&env, home, Platform::Unix),
            PathBuf::from("/x/c//x/$NOPE")
        );
        let env = Env::from_pairs([("AWS_LOGIN_CACHE_DIRECTORY", "~/lc")]);
        assert_eq!(
            cache_dir(&env, home, Platform::Unix),
            PathBuf::from("/home/u/lc")
        );
    }
}
