//! Interop with an independent STS: moto (`moto[server]`), which checks SigV4 signatures by
//! recomputing them with botocore's own signer and evaluates IAM policies and trust policies.
//!
//! The test starts `moto_server` on loopback, creates an IAM user, its access key and two roles
//! through moto's IAM API, then runs AssumeRole with our signer, chains a second AssumeRole with
//! the temporary credentials (session token signed in), and checks GetCallerIdentity. Wrong
//! secrets, unknown keys, wrong session tokens and untrusted principals must all be refused, which
//! proves moto really verified what it accepted.
//!
//! moto is installed by `.ci/install-interop` under `target/interop/moto`; without it the test
//! is skipped locally and fails in CI (env `CI` set).

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use awscred_core::sigv4::{self, SigningParams};
use awscred_core::sts::{AssumeRole, AssumeRoleParams, GetCallerIdentity};
use awscred_core::{Credentials, Endpoint, Error, encoding, wire_error};
use awscred_ureq::{Client, ClientConfig};

/// moto's IAM setup calls that run before it starts checking signatures: CreateUser,
/// CreateAccessKey and PutUserPolicy (nothing can be signed validly before the key exists,
/// and the user can do nothing before its policy exists). Every later call is verified.
const UNCHECKED_SETUP_CALLS: u32 = 3;

/// The region every request is signed for (moto reads it from the credential scope).
const REGION: &str = "us-east-1";

const IAM_VERSION: &str = "2010-05-08";

/// A session name using every reserved character the model allows (`[\w+=,.@-]`): a `+` that
/// was not percent-encoded would arrive as a space and break the trust check of the second role.
const SESSION_1: &str = "a+b=c,d.e@f-g_1";
const SESSION_2: &str = "chain.2@x+y=z,w";

/// An external id with the reserved characters its pattern allows; the first role's trust
/// policy requires exactly this value.
const EXTERNAL_ID: &str = "ext:/id+=,.@-_";

/// A running `moto_server`, killed on drop whatever way the test ends.
struct Moto {
    child: Child,
    url: String,
    log: tempfile::NamedTempFile,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            // The request log (method, path, status: no secrets) helps explain a failure.
            if let Ok(log) = std::fs::read_to_string(self.log.path()) {
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!("--- moto_server log (last lines) ---");
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

/// Where moto_server is: `AWSCRED_MOTO_SERVER`, else the one `.ci/install-interop` installs.
fn moto_server_path() -> PathBuf {
    match std::env::var_os("AWSCRED_MOTO_SERVER") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/interop/moto/bin/moto_server"
        )),
    }
}

/// A port that was free a moment ago (moto_server cannot be asked for port 0).
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// Starts moto_server on a free loopback port, or `None` (with a notice) when it is not
/// installed outside CI.
fn start_moto() -> Option<Moto> {
    let path = moto_server_path();
    if !path.exists() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "moto_server not found at {}; run .ci/install-interop (or set AWSCRED_MOTO_SERVER)",
                path.display()
            );
        }
        eprintln!(
            "skipping the moto interop test: moto_server not found at {}; run .ci/install-interop to enable it",
            path.display()
        );
        return None;
    }
    // Another process may take the port between our probe and moto's bind: try a few.
    for _ in 0..5 {
        let port = free_port();
        let log = tempfile::NamedTempFile::new().expect("temp file for the moto log");
        let out = log.reopen().expect("reopen the moto log");
        let err: File = log.reopen().expect("reopen the moto log");
        let child = Command::new(&path)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env(
                "INITIAL_NO_AUTH_ACTION_COUNT",
                UNCHECKED_SETUP_CALLS.to_string(),
            )
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_DEFAULT_REGION", REGION)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let mut moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        if wait_until_listening(&mut moto, port) {
            return Some(moto);
        }
        // It exited (most likely the port was taken); drop kills nothing left and we retry.
    }
    panic!("moto_server did not start on any of 5 ports");
}

/// Waits for moto to accept connections; `false` if it exited first.
fn wait_until_listening(moto: &mut Moto, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    while Instant::now() < deadline {
        if let Ok(Some(_)) = moto.child.try_wait() {
            return false;
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not listen on {addr} within 20 s");
}

fn client() -> Client {
    let mut config = ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    };
    // A refusal must come back as it is, not after retries.
    config.retry.max_attempts = 1;
    Client::new(config)
}

/// One IAM Query-protocol call (`POST /`, form body, SigV4 for service `iam`), returning the
/// XML body of a success or the service's error.
fn iam(
    client: &Client,
    moto: &Moto,
    credentials: &Credentials,
    action: &str,
    params: &[(&str, &str)],
) -> Result<String, Error> {
    let head = [("Action", action), ("Version", IAM_VERSION)];
    // Form-encoded as botocore does (`+` for space), like the core's STS bodies: moto checks
    // the signature over its own re-encoding of the decoded form.
    let body = encoding::encode_pairs(head.iter().chain(params).copied()).replace("%20", "+");
    let mut request = http::Request::post(format!("{}/", moto.url))
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body.into_bytes())
        .expect("an IAM request");
    sigv4::sign(
        &mut request,
        &SigningParams::new(credentials, REGION, "iam", SystemTime::now()),
    )?;
    let response = client.send_once(request)?;
    if response.status().is_success() {
        Ok(String::from_utf8_lossy(response.body()).into_owned())
    } else {
        Err(wire_error::query_xml_error("IAM", &response))
    }
}

/// The text of the first `<name>` element of an IAM answer, with XML entities resolved.
fn element(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in the IAM answer"))
        + open.len();
    let len = xml[start..]
        .find(&close)
        .unwrap_or_else(|| panic!("no </{name}> in the IAM answer"));
    xml[start..start + len]
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The service error code of `result`, which must be an error.
fn refusal<T: std::fmt::Debug>(what: &str, result: Result<T, Error>) -> (u16, String) {
    match result {
        Err(Error::Service(e)) => (e.status, e.code),
        Err(other) => panic!("{what}: expected a service refusal, got {other}"),
        Ok(v) => panic!("{what}: moto accepted it: {v:?}"),
    }
}

/// The same access key with a different secret.
fn with_wrong_secret(credentials: &Credentials) -> Credentials {
    let mut secret = credentials.secret_access_key().to_string();
    let last = secret.pop().unwrap_or('x');
    secret.push(if last == 'A' { 'B' } else { 'A' });
    Credentials::new(
        credentials.access_key_id(),
        secret,
        credentials.session_token().map(str::to_string),
        None,
    )
}

#[test]
fn assume_role_chain_against_moto() {
    let Some(moto) = start_moto() else { return };
    let client = client();
    let endpoint = Endpoint {
        url: moto.url.clone(),
        signing_region: REGION.to_string(),
    };

    // --- Setup while moto does not check yet (signed anyway: moto routes on the scope). ---
    let bootstrap = Credentials::new("AKIAAWSCREDBOOTSTRAP", "not-checked-yet", None, None);
    let user_name = "awscred-interop";
    let created = iam(
        &client,
        &moto,
        &bootstrap,
        "CreateUser",
        &[("UserName", user_name)],
    )
    .expect("CreateUser");
    let user_arn = element(&created, "Arn");
    let account = user_arn.split(':').nth(4).expect("account in the user ARN");
    let key = iam(
        &client,
        &moto,
        &bootstrap,
        "CreateAccessKey",
        &[("UserName", user_name)],
    )
    .expect("CreateAccessKey");
    let user = Credentials::new(
        element(&key, "AccessKeyId"),
        element(&key, "SecretAccessKey"),
        None,
        None,
    );
    assert!(user.access_key_id().starts_with("AKIA"));
    let user_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","iam:*"],"Resource":"*"}]}"#;
    iam(
        &client,
        &moto,
        &bootstrap,
        "PutUserPolicy",
        &[
            ("UserName", user_name),
            ("PolicyName", "assume-and-manage"),
            ("PolicyDocument", user_policy),
        ],
    )
    .expect("PutUserPolicy");

    // --- From here on moto verifies every signature. Prove it before relying on it. ---
    let (status, code) = refusal(
        "GetUser with a wrong secret",
        iam(
            &client,
            &moto,
            &with_wrong_secret(&user),
            "GetUser",
            &[("UserName", user_name)],
        ),
    );
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));
    // The setup bootstrap key is unknown to moto, so it is refused too.
    let (_, code) = refusal(
        "GetUser with the bootstrap key",
        iam(
            &client,
            &moto,
            &bootstrap,
            "GetUser",
            &[("UserName", user_name)],
        ),
    );
    assert_eq!(code, "InvalidClientTokenId");

    // Roles, created with signatures botocore checks (service `iam`). The trust policies name
    // the exact principals, so the session name must reach moto byte for byte.
    let role_1 = "awscred-first";
    let role_2 = "awscred-second";
    let trust_1 = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{user_arn}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{EXTERNAL_ID}"}}}}}}]}}"#
    );
    let role_1_arn = element(
        &iam(
            &client,
            &moto,
            &user,
            "CreateRole",
            &[
                ("RoleName", role_1),
                ("Path", "/awscred/interop/"),
                ("AssumeRolePolicyDocument", &trust_1),
                ("Description", "first hop (it's a test!)"),
            ],
        )
        .expect("CreateRole 1 signed with the user's key"),
        "Arn",
    );
    assert_eq!(
        role_1_arn,
        format!("arn:aws:iam::{account}:role/awscred/interop/{role_1}")
    );
    let session_1_arn = format!("arn:aws:sts::{account}:assumed-role/{role_1}/{SESSION_1}");
    let trust_2 = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{session_1_arn}"]}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role_2_arn = element(
        &iam(
            &client,
            &moto,
            &user,
            "CreateRole",
            &[("RoleName", role_2), ("AssumeRolePolicyDocument", &trust_2)],
        )
        .expect("CreateRole 2"),
        "Arn",
    );
    let hop_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{role_2_arn}"}}]}}"#
    );
    iam(
        &client,
        &moto,
        &user,
        "PutRolePolicy",
        &[
            ("RoleName", role_1),
            ("PolicyName", "may-assume-second"),
            ("PolicyDocument", &hop_policy),
        ],
    )
    .expect("PutRolePolicy");

    // --- AssumeRole #1: our STS operation, signed with the user's key. ---
    // Spaces, `*`, `'`, `(`, `)`, `!`, `:`, `/`, `~`, `&`, `=`, `+` and non-ASCII: moto
    // re-encodes the decoded form with botocore's `urlencode` before checking the signature.
    let session_policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Chain1", "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:Get*"], "Resource": "arn:aws:iam::*:role/*", "Condition": {"StringLike": {"aws:userid": "*:it's (ok)! ~&=+ é"}}}]}"#;
    let params_1 = AssumeRoleParams::new(&role_1_arn, SESSION_1)
        .external_id(EXTERNAL_ID)
        .duration_seconds(900)
        .policy(session_policy)
        .tag("team:unit/x", "a b+c=d@e.f_g-h:i/j é")
        .transitive_tag_key("team:unit/x")
        .source_identity("src+id@x.y");
    let started = SystemTime::now();
    let first = client
        .execute(&AssumeRole::new(endpoint.clone(), user.clone(), params_1))
        .expect("AssumeRole #1 signed with the IAM user's key");
    assert_eq!(first.arn.as_deref(), Some(session_1_arn.as_str()));
    assert!(first.credentials.access_key_id().starts_with("ASIA"));
    assert!(first.credentials.session_token().is_some());
    assert_eq!(first.credentials.account_id(), Some(account));
    // moto honours DurationSeconds: the expiry is ~15 minutes away, not its 1-hour default.
    let expiry = first.credentials.expiry().expect("an expiry");
    let lifetime = expiry.duration_since(started).unwrap_or_default().as_secs();
    assert!((850..=960).contains(&lifetime), "lifetime {lifetime} s");

    // A wrong external id fails the first role's trust condition: moto read ours exactly.
    let (_, code) = refusal(
        "AssumeRole #1 with another external id",
        client.execute(&AssumeRole::new(
            endpoint.clone(),
            user.clone(),
            AssumeRoleParams::new(&role_1_arn, SESSION_1).external_id("ext:/id+=,.@-"),
        )),
    );
    assert_eq!(code, "AccessDenied");

    // --- AssumeRole #2: chained with the temporary credentials (session token signed). ---
    let second = client
        .execute(&AssumeRole::new(
            endpoint.clone(),
            first.credentials.clone(),
            AssumeRoleParams::new(&role_2_arn, SESSION_2),
        ))
        .expect("AssumeRole #2 signed with the first session's credentials");
    let session_2_arn = format!("arn:aws:sts::{account}:assumed-role/{role_2}/{SESSION_2}");
    assert_eq!(second.arn.as_deref(), Some(session_2_arn.as_str()));
    assert_ne!(
        second.credentials.access_key_id(),
        first.credentials.access_key_id()
    );

    let identity = client
        .execute(&GetCallerIdentity::new(
            endpoint.clone(),
            second.credentials.clone(),
        ))
        .expect("GetCallerIdentity with the chained credentials");
    assert_eq!(identity.arn, session_2_arn);
    assert_eq!(identity.account, account);
    assert!(
        identity.user_id.ends_with(&format!(":{SESSION_2}")),
        "{}",
        identity.user_id
    );

    // --- Refusals: each proves moto checked what it accepted above. ---
    let (status, code) = refusal(
        "AssumeRole #1 with a wrong secret",
        client.execute(&AssumeRole::new(
            endpoint.clone(),
            with_wrong_secret(&user),
            AssumeRoleParams::new(&role_1_arn, SESSION_1).external_id(EXTERNAL_ID),
        )),
    );
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));

    let (_, code) = refusal(
        "AssumeRole #2 with a wrong secret",
        client.execute(&AssumeRole::new(
            endpoint.clone(),
            with_wrong_secret(&first.credentials),
            AssumeRoleParams::new(&role_2_arn, SESSION_2),
        )),
    );
    assert_eq!(code, "SignatureDoesNotMatch");

    let wrong_token = Credentials::new(
        first.credentials.access_key_id(),
        first.credentials.secret_access_key(),
        Some("not-the-session-token".to_string()),
        None,
    );
    let (_, code) = refusal(
        "AssumeRole #2 with a wrong session token",
        client.execute(&AssumeRole::new(
            endpoint.clone(),
            wrong_token,
            AssumeRoleParams::new(&role_2_arn, SESSION_2),
        )),
    );
    assert_eq!(code, "InvalidClientTokenId");

    let unknown = Credentials::new("AKIAUNKNOWNKEY000000", "whatever", None, None);
    let (_, code) = refusal(
        "GetCallerIdentity with an unknown key",
        client.execute(&GetCallerIdentity::new(endpoint.clone(), unknown)),
    );
    assert_eq!(code, "InvalidClientTokenId");

    // The second role trusts only the first session: the user itself is refused.
    let (_, code) = refusal(
        "AssumeRole #2 by the user",
        client.execute(&AssumeRole::new(
            endpoint.clone(),
            user.clone(),
            AssumeRoleParams::new(&role_2_arn, SESSION_2),
        )),
    );
    assert_eq!(code, "AccessDenied");
}
