//! Every public type of the core that can hold a secret (outside `flow`, whose steps and inputs
//! have their own test) is built with recognisable secrets, and neither its `Debug` (plain and
//! pretty) nor its `Display` shows any of them. The errors that the core builds from inputs
//! holding secrets are checked the same way.

use std::fmt::Debug;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::config::{self, ConfigSet, Env, FileKind};
use awscred_core::oidc::{
    ClientRegistration, CreateToken, DeviceAuthorization, Grant, RegisterClient,
    StartDeviceAuthorization, TokenResponse,
};
use awscred_core::registration::Registration;
use awscred_core::resolve::{Resolved, SsoAccess};
use awscred_core::sigv4::{self, SignableRequest, Signer, SigningParams};
use awscred_core::sso::{GetRoleCredentials, ListAccountRoles, ListAccounts, Logout};
use awscred_core::sts::{
    AssumeRole, AssumeRoleParams, AssumeRoleWithWebIdentity, AssumedRole, GetCallerIdentity,
};
use awscred_core::token::{CachedToken, TokenGrant};
use awscred_core::{
    Credentials, Endpoint, Error, ExportFormat, Operation, Secret, ServiceError, cli_cache,
};

/// The secrets planted everywhere; none may be shown.
const SECRETS: [&str; 12] = [
    "SECRETACCESSKEYzz01",
    "SESSIONTOKENzz02",
    "ACCESSTOKENzz03",
    "REFRESHTOKENzz04",
    "CLIENTSECRETzz05",
    "DEVICECODEzz06",
    "AUTHCODEzz07",
    "CODEVERIFIERzz08",
    "IDTOKENzz09",
    "WEBIDENTITYzz10",
    "UNKNOWNVALUEzz11",
    "ENVSECRETzz12",
];
const SECRET: &str = SECRETS[0];
const TOKEN: &str = SECRETS[1];
const ACCESS: &str = SECRETS[2];
const REFRESH: &str = SECRETS[3];
const CLIENT_SECRET: &str = SECRETS[4];
const DEVICE: &str = SECRETS[5];
const CODE: &str = SECRETS[6];
const VERIFIER: &str = SECRETS[7];
const ID_TOKEN: &str = SECRETS[8];
const WEB_IDENTITY: &str = SECRETS[9];
const UNKNOWN: &str = SECRETS[10];
const ENV_SECRET: &str = SECRETS[11];
/// An MFA code: six digits, so also checked on its own.
const MFA: &str = "918273";

fn hidden(what: &str, text: &str) {
    for secret in SECRETS.iter().chain([&MFA]) {
        assert!(
            !text.contains(secret),
            "{what} shows a secret ({secret}): {text}"
        );
    }
}

fn debug(what: &str, value: &impl Debug) {
    hidden(what, &format!("{value:?}"));
    hidden(what, &format!("{value:#?}"));
}

fn display(what: &str, value: &impl std::fmt::Display) {
    hidden(what, &value.to_string());
}

fn error(what: &str, e: &Error) {
    debug(what, e);
    display(what, e);
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn endpoint() -> Endpoint {
    Endpoint {
        url: "https://example.test".into(),
        signing_region: "us-east-1".into(),
    }
}

fn credentials() -> Credentials {
    Credentials::new(
        "ASIAEXAMPLE",
        SECRET,
        Some(TOKEN.into()),
        Some(at(2_000_000_000)),
    )
    .with_account_id(Some("123456789012".into()))
}

fn registration() -> Registration {
    Registration {
        client_id: "client-id".into(),
        client_secret: CLIENT_SECRET.into(),
        expires_at: at(2_000_000_000),
        scopes: Some(vec!["sso:account:access".into()]),
        grant_types: None,
    }
}

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .expect("a response")
}

#[test]
fn credentials_tokens_and_registrations() {
    let creds = credentials();
    debug("Credentials", &creds);
    display("Credentials", &creds);
    debug("Secret", &Secret::new(SECRET));
    debug("Option<Secret>", &Some(Secret::new(SECRET)));

    let mut token = CachedToken::new(ACCESS, at(2_000_000_000))
        .with_refresh(REFRESH, &registration())
        .with_session("us-east-1", "https://d-1.awsapps.com/start");
    token
        .unknown
        .insert("someOtherToolsKey".into(), UNKNOWN.into());
    debug("CachedToken", &token);
    let parsed = CachedToken::parse(&token.to_json()).expect("the token reads back");
    debug("CachedToken (parsed)", &parsed);
    debug(
        "TokenGrant",
        &TokenGrant {
            access_token: ACCESS.into(),
            expires_in: 3600,
            refresh_token: Some(REFRESH.into()),
        },
    );
    debug("Registration", &registration());
    debug(
        "Registration (parsed)",
        &Registration::parse(&registration().to_json()).expect("reads back"),
    );
    debug(
        "Resolved",
        &Resolved {
            credentials: creds.clone(),
            profile: "p".into(),
            region: None,
            refresh_attempted_at: None,
            from_cli_cache: false,
            warnings: Vec::new(),
            // The IMDS session token is a secret too.
            metadata: awscred_core::metadata::MetadataMemory {
                imds_token: Some(awscred_core::imds::SessionToken::new(
                    ACCESS,
                    std::time::Duration::from_secs(21_600),
                    at(2_000_000_000),
                )),
                ..Default::default()
            },
            file_warnings: Vec::new(),
        },
    );
    debug(
        "SsoAccess",
        &SsoAccess {
            access_token: ACCESS.into(),
            expires_at: at(2_000_000_000),
            portal: endpoint(),
            start_url: "https://d-1.awsapps.com/start".into(),
            session_name: Some("dev".into()),
            sso_region: "us-east-1".into(),
            refresh_attempted_at: None,
            file_warnings: Vec::new(),
            retry: Default::default(),
        },
    );
    let entry = cli_cache::sso_entry(&creds).expect("an entry");
    debug(
        "cli_cache entry",
        &cli_cache::parse_entry(&entry).expect("reads back"),
    );
}

#[test]
fn oidc_operations_and_answers() {
    let oidc = endpoint();
    debug(
        "RegisterClient",
        &RegisterClient::for_device_code(oidc.clone(), "botocore-client-dev", vec![]),
    );
    let registered = RegisterClient::for_device_code(oidc.clone(), "c", vec![])
        .parse(&response(
            200,
            &format!(
                r#"{{"clientId":"cid","clientSecret":"{CLIENT_SECRET}","clientIdIssuedAt":1700000000,"clientSecretExpiresAt":1900000000}}"#
            ),
        ))
        .expect("a registration");
    debug("ClientRegistration", &registered);
    debug(
        "ClientRegistration (literal)",
        &ClientRegistration {
            client_secret: CLIENT_SECRET.into(),
            ..registered.clone()
        },
    );
    let start = StartDeviceAuthorization {
        endpoint: oidc.clone(),
        client_id: "cid".into(),
        client_secret: CLIENT_SECRET.into(),
        start_url: "https://d-1.awsapps.com/start".into(),
    };
    debug("StartDeviceAuthorization", &start);
    let device = start
        .parse(&response(
            200,
            &format!(
                r#"{{"deviceCode":"{DEVICE}","userCode":"ABCD-EFGH","verificationUri":"https://v","verificationUriComplete":"https://v?c","expiresIn":600,"interval":5}}"#
            ),
        ))
        .expect("a device authorization");
    debug("DeviceAuthorization", &device);
    debug(
        "DeviceAuthorization (literal)",
        &DeviceAuthorization {
            device_code: DEVICE.into(),
            ..device.clone()
        },
    );
    for grant in [
        Grant::DeviceCode {
            device_code: DEVICE.into(),
        },
        Grant::RefreshToken {
            refresh_token: REFRESH.into(),
        },
        Grant::AuthorizationCode {
            code: CODE.into(),
            redirect_uri: "http://127.0.0.1:1234/oauth/callback".into(),
            code_verifier: VERIFIER.into(),
        },
    ] {
        debug("Grant", &grant);
        let op = CreateToken::new(oidc.clone(), "cid", CLIENT_SECRET, grant);
        debug("CreateToken", &op);
        let answer = op
            .parse(&response(
                200,
                &format!(
                    r#"{{"accessToken":"{ACCESS}","tokenType":"Bearer","expiresIn":3600,"refreshToken":"{REFRESH}","idToken":"{ID_TOKEN}"}}"#
                ),
            ))
            .expect("a token");
        debug("TokenResponse", &answer);
        debug(
            "TokenResponse (literal)",
            &TokenResponse {
                access_token: ACCESS.into(),
                ..answer.clone()
            },
        );
        // A body that is not what CreateToken answers, holding the secrets.
        let e = op
            .parse(&response(
                200,
                &format!(r#"{{"accessToken":["{ACCESS}"],"refreshToken":"{REFRESH}"}}"#),
            ))
            .expect_err("malformed");
        error("CreateToken malformed answer", &e);
    }
}

#[test]
fn sso_operations() {
    let get = GetRoleCredentials {
        endpoint: endpoint(),
        access_token: ACCESS.into(),
        account_id: "123456789012".into(),
        role_name: "ReadOnly".into(),
    };
    debug("GetRoleCredentials", &get);
    let creds = get
        .parse(&response(
            200,
            &format!(
                r#"{{"roleCredentials":{{"accessKeyId":"ASIA","secretAccessKey":"{SECRET}","sessionToken":"{TOKEN}","expiration":1900000000000}}}}"#
            ),
        ))
        .expect("credentials");
    debug("GetRoleCredentials answer", &creds);
    display("GetRoleCredentials answer", &creds);
    let e = get
        .parse(&response(
            200,
            &format!(
                r#"{{"roleCredentials":{{"accessKeyId":"ASIA","secretAccessKey":"{SECRET}","sessionToken":7,"expiration":"{TOKEN}"}}}}"#
            ),
        ))
        .expect_err("malformed");
    error("GetRoleCredentials malformed answer", &e);
    let bad_header = GetRoleCredentials {
        access_token: format!("{ACCESS}\n").into(),
        ..get.clone()
    };
    error(
        "GetRoleCredentials unsendable token",
        &bad_header.request(at(0)).expect_err("refused"),
    );
    debug("ListAccounts", &ListAccounts::new(endpoint(), ACCESS));
    debug(
        "ListAccountRoles",
        &ListAccountRoles::new(endpoint(), ACCESS, "123456789012"),
    );
    debug(
        "Logout",
        &Logout {
            endpoint: endpoint(),
            access_token: ACCESS.into(),
        },
    );
}

#[test]
fn sts_operations_and_answers() {
    let params = AssumeRoleParams::new("arn:aws:iam::123456789012:role/r", "session")
        .mfa("arn:aws:iam::123456789012:mfa/u", MFA);
    debug("AssumeRoleParams", &params);
    let assume = AssumeRole::new(endpoint(), credentials(), params);
    debug("AssumeRole", &assume);
    let body = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA2</AccessKeyId>\
         <SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>\
         <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser>\
         <AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>\
         </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>"
    );
    let assumed: AssumedRole = assume.parse(&response(200, &body)).expect("assumed role");
    debug("AssumedRole", &assumed);
    let broken = format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><SecretAccessKey>{SECRET}</SecretAccessKey>\
         <SessionToken>{TOKEN}</SessionToken></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    );
    error(
        "AssumeRole malformed answer",
        &assume
            .parse(&response(200, &broken))
            .expect_err("malformed"),
    );
    let bad_code = AssumeRoleParams::new("arn:aws:iam::123456789012:role/r", "session")
        .mfa("arn:aws:iam::123456789012:mfa/u", format!("{MFA}0"));
    error(
        "AssumeRole bad MFA code",
        &AssumeRole::new(endpoint(), credentials(), bad_code)
            .request(at(1_700_000_000))
            .expect_err("refused"),
    );
    let web = AssumeRoleWithWebIdentity::new(
        endpoint(),
        "arn:aws:iam::123456789012:role/r",
        "session",
        WEB_IDENTITY,
    );
    debug("AssumeRoleWithWebIdentity", &web);
    let too_short = AssumeRoleWithWebIdentity::new(
        endpoint(),
        "arn:aws:iam::123456789012:role/r",
        "session",
        "abc",
    );
    debug("AssumeRoleWithWebIdentity (short)", &too_short);
    debug(
        "GetCallerIdentity",
        &GetCallerIdentity::new(endpoint(), credentials()),
    );
}

#[test]
fn signing() {
    let creds = credentials();
    let params = SigningParams::new(&creds, "us-east-1", "sts", at(1_700_000_000));
    debug("SigningParams", &params);
    let mut headers = http::HeaderMap::new();
    headers.insert("host", http::HeaderValue::from_static("sts.amazonaws.com"));
    let body = format!("Action=AssumeRoleWithWebIdentity&WebIdentityToken={WEB_IDENTITY}");
    let signable = SignableRequest::new("POST", "/", &headers, body.as_bytes());
    debug("SignableRequest", &signable);
    let mut signer = Signer::new();
    let output = signer.compute(&signable, &params).expect("signed");
    debug("SigningOutput", &output);
    debug("Signer", &signer);
    // A forged request is refused without quoting the secret it was checked against.
    let mut request = http::Request::post("https://sts.amazonaws.com/")
        .body(body.clone().into_bytes())
        .expect("a request");
    sigv4::sign(&mut request, &params).expect("signed");
    *request.body_mut() = b"Action=Other".to_vec();
    error(
        "verify mismatch",
        &sigv4::verify(&request, &creds).expect_err("mismatch"),
    );
}

#[test]
fn local_inputs_and_their_errors() {
    let env = Env::from_pairs([
        ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
        ("AWS_SESSION_TOKEN", TOKEN),
        ("AWS_PROFILE", "dev"),
    ]);
    debug("Env", &env);
    let text = format!(
        "[default]\naws_access_key_id = AKIA\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
    );
    let file = config::parse("credentials", &text, FileKind::Credentials).expect("parses");
    debug("ParsedFile", &file);
    let set = ConfigSet::from_parsed(None, Some(file));
    debug("ConfigSet", &set);
    debug("Section", &set.profile("default").expect("the profile"));

    // Cache files holding secrets, broken in ways that make the parsers complain.
    let token = format!(r#"{{"accessToken":"{ACCESS}","expiresAt":"{REFRESH}"}}"#);
    error(
        "CachedToken::parse",
        &CachedToken::parse(token.as_bytes()).expect_err("bad"),
    );
    let reg = format!(r#"{{"clientId":"c","clientSecret":"{CLIENT_SECRET}","expiresAt":7}}"#);
    error(
        "Registration::parse",
        &Registration::parse(reg.as_bytes()).expect_err("bad"),
    );
    let entry = format!(r#"{{"Credentials":{{"SecretAccessKey":"{SECRET}"}}}}"#);
    error(
        "cli_cache::parse_entry",
        &cli_cache::parse_entry(entry.as_bytes()).expect_err("bad"),
    );
    let not_json = format!("{{\"accessToken\": \"{ACCESS}\"");
    error(
        "CachedToken::parse (not JSON)",
        &CachedToken::parse(not_json.as_bytes()).expect_err("bad"),
    );

    // Printing credentials a shell would run is refused without quoting them.
    let hostile = Credentials::new("ASIA", format!("{SECRET}$(x)"), Some(TOKEN.into()), None);
    error(
        "export refusal",
        &hostile.export(ExportFormat::Env).expect_err("refused"),
    );
    let e = Error::Service(ServiceError {
        status: 403,
        code: "AccessDenied".into(),
        message: "not authorized".into(),
        request_id: Some("req-1".into()),
    });
    error("Error::Service", &e);
}
