//! A scripted, in-memory driver for the resolve flows: files in a map, HTTP answered by a
//! closure, processes and MFA codes scripted, time fixed. It records every step it carried out.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awscred_core::Error;
use awscred_core::flow::{Effect, Flow, Input, ProcessOutput, Step};
use awscred_core::retry::{RetryClass, classify, response_error};

pub type Request = http::Request<Vec<u8>>;
pub type Response = http::Response<Vec<u8>>;
pub type HttpFn = Box<dyn FnMut(&Request) -> Result<Response, Error>>;
pub type ProcessFn = Box<dyn FnMut(&str) -> Result<ProcessOutput, Error>>;
pub type Files = BTreeMap<PathBuf, Vec<u8>>;
pub type LockHook = Box<dyn FnMut(&mut Files)>;

/// The shared test data directory: `AWSCRED_TESTDATA`, else `../../../shared/testdata` from the
/// crate. Missing data fails the test under CI and skips it elsewhere.
pub fn testdata_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AWSCRED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata"
            ))
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "test data missing at {} (set AWSCRED_TESTDATA)",
            dir.display()
        );
        eprintln!("skipping: no test data at {}", dir.display());
        None
    }
}

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// One step the driver carried out, for asserting the order of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Read(PathBuf),
    Send(String),
    Write(PathBuf),
    Lock(PathBuf),
    Unlock(PathBuf),
    Run(String),
    AskTokenCode(String),
    Remove(PathBuf),
    ListOrphans(PathBuf),
}

pub struct Driver {
    pub now: SystemTime,
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    pub http: HttpFn,
    pub process: ProcessFn,
    pub token_codes: Vec<String>,
    /// Runs when a lock is taken: another process may change the files meanwhile.
    pub on_lock: Option<LockHook>,
    /// Paths whose writes fail.
    pub failing_writes: Vec<PathBuf>,
    /// Lock files that cannot be locked, with the driver's error.
    pub failing_locks: BTreeMap<PathBuf, Error>,
    /// Files whose reads fail, with the driver's error.
    pub unreadable: BTreeMap<PathBuf, Error>,
    pub events: Vec<Event>,
    pub requests: Vec<Request>,
    /// Emulate a driver's retries of throttled/transient answers (up to 3 attempts).
    pub retry: bool,
    held: Vec<PathBuf>,
}

impl Driver {
    pub fn new(now: SystemTime) -> Self {
        Driver {
            now,
            files: BTreeMap::new(),
            http: Box::new(|r| panic!("unexpected request {} {}", r.method(), r.uri())),
            process: Box::new(|c| panic!("unexpected process {c}")),
            token_codes: Vec::new(),
            on_lock: None,
            failing_writes: Vec::new(),
            failing_locks: BTreeMap::new(),
            unreadable: BTreeMap::new(),
            events: Vec::new(),
            requests: Vec::new(),
            retry: true,
            held: Vec::new(),
        }
    }

    pub fn file(mut self, path: impl Into<PathBuf>, contents: impl AsRef<[u8]>) -> Self {
        self.files.insert(path.into(), contents.as_ref().to_vec());
        self
    }

    pub fn http(mut self, f: impl FnMut(&Request) -> Result<Response, Error> + 'static) -> Self {
        self.http = Box::new(f);
        self
    }

    pub fn text(&self, path: impl AsRef<Path>) -> Option<String> {
        self.files
            .get(path.as_ref())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn sends(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, Event::Send(_)))
            .count()
    }

    pub fn writes(&self) -> Vec<PathBuf> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Write(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    /// Drives `flow` to its end, answering each step exactly once.
    pub fn run<F: Flow>(&mut self, flow: &mut F) -> Result<F::Output, Error> {
        for _ in 0..200 {
            let input = match flow.next_step(self.now) {
                Step::Done(result) => {
                    assert!(self.held.is_empty(), "locks still held: {:?}", self.held);
                    return result;
                }
                Step::Effect(Effect::Read(path)) => {
                    self.events.push(Event::Read(path.clone()));
                    match self.unreadable.get(&path) {
                        Some(e) => Input::File(Err(e.clone())),
                        None => Input::File(Ok(self.files.get(&path).cloned())),
                    }
                }
                Step::Effect(Effect::Write { path, contents }) => {
                    self.events.push(Event::Write(path.clone()));
                    if self.failing_writes.contains(&path) {
                        Input::Written(Err(Error::Io {
                            path: path.display().to_string(),
                            message: "permission denied".into(),
                        }))
                    } else {
                        self.files.insert(path, contents);
                        Input::Written(Ok(()))
                    }
                }
                Step::Effect(Effect::Remove(path)) => {
                    self.events.push(Event::Remove(path.clone()));
                    self.files.remove(&path);
                    Input::Written(Ok(()))
                }
                Step::Effect(Effect::ListOrphans(path)) => {
                    self.events.push(Event::ListOrphans(path.clone()));
                    Input::Listed(Ok(orphans_of(&self.files, &path)))
                }
                Step::Effect(Effect::Lock(path)) => {
                    self.events.push(Event::Lock(path.clone()));
                    assert!(!self.held.contains(&path), "lock taken twice");
                    if let Some(e) = self.failing_locks.get(&path) {
                        flow.handle(Input::Locked(Err(e.clone())), self.now);
                        continue;
                    }
                    self.held.push(path);
                    if let Some(f) = self.on_lock.as_mut() {
                        f(&mut self.files);
                    }
                    Input::Locked(Ok(()))
                }
                Step::Effect(Effect::Unlock(path)) => {
                    self.events.push(Event::Unlock(path.clone()));
                    let i = self.held.iter().position(|p| *p == path);
                    assert!(
                        i.is_some(),
                        "unlocking {} which is not held",
                        path.display()
                    );
                    if let Some(i) = i {
                        self.held.remove(i);
                    }
                    Input::Unlocked
                }
                Step::Effect(Effect::Send(request)) => {
                    self.events.push(Event::Send(describe(&request)));
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        let answer = (self.http)(&request);
                        let again = self.retry
                            && attempts < 3
                            && match &answer {
                                Ok(r) => response_error(r)
                                    .is_some_and(|e| classify(&e) != RetryClass::NotRetryable),
                                Err(e) => classify(e) != RetryClass::NotRetryable,
                            };
                        if !again {
                            self.requests.push(request);
                            break Input::Response(answer);
                        }
                    }
                }
                Step::Effect(Effect::Run(command)) => {
                    self.events.push(Event::Run(command.clone()));
                    Input::ProcessOutput((self.process)(&command))
                }
                Step::Effect(Effect::AskTokenCode { serial }) => {
                    self.events.push(Event::AskTokenCode(serial));
                    assert!(!self.token_codes.is_empty(), "no MFA code scripted");
                    Input::TokenCode(Ok(self.token_codes.remove(0)))
                }
                _ => panic!("the resolve flows never ask to wait, list, prompt or listen"),
            };
            flow.handle(input, self.now);
        }
        panic!("the flow did not finish in 200 steps");
    }
}

/// The files named `.<name of path>.<…>.tmp` beside `path`, as `awscred_files::list_orphans`
/// finds them.
pub fn orphans_of(files: &BTreeMap<PathBuf, Vec<u8>>, path: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{}.", path.file_name().unwrap().to_string_lossy());
    let mut out: Vec<PathBuf> = files
        .keys()
        .filter(|p| {
            p.parent() == path.parent() && {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with(&prefix) && name.ends_with(".tmp")
            }
        })
        .cloned()
        .collect();
    out.sort();
    out
}

/// `POST sts.us-east-1.amazonaws.com/ AssumeRole` / `GET host/path`.
pub fn describe(r: &Request) -> String {
    let host = r.uri().host().unwrap_or_default();
    let mut s = format!("{} {}{}", r.method(), host, r.uri().path());
    if let Some(action) = form_value(r, "Action") {
        s.push(' ');
        s.push_str(&action);
    }
    s
}

/// A member of a form body, decoded.
pub fn form_value(r: &Request, name: &str) -> Option<String> {
    let body = std::str::from_utf8(r.body()).ok()?;
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// The query parameters of a request, sorted.
pub fn query(r: &Request) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = r
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    q.sort();
    q
}

/// The access key id in a SigV4 `Authorization` header.
pub fn signing_key_id(r: &Request) -> Option<String> {
    let auth = r.headers().get("authorization")?.to_str().ok()?;
    let cred = auth.split("Credential=").nth(1)?;
    Some(cred.split('/').next()?.to_string())
}

pub fn response(status: u16, body: impl Into<Vec<u8>>) -> Response {
    http::Response::builder()
        .status(status)
        .header("x-amzn-requestid", "req-1")
        .body(body.into())
        .unwrap()
}

/// A GetRoleCredentials answer.
pub fn role_credentials(akid: &str, expires_ms: u64) -> Response {
    response(
        200,
        format!(
            "{{\"roleCredentials\":{{\"accessKeyId\":\"{akid}\",\"secretAccessKey\":\"SECRET-{akid}\",\
             \"sessionToken\":\"TOKEN-{akid}\",\"expiration\":{expires_ms}}}}}"
        ),
    )
}

/// An AssumeRole answer for `role` in account `account`.
pub fn assume_role_response(akid: &str, account: &str, role: &str, expiration: &str) -> Response {
    let mut r = response(
        200,
        format!(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
             <AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\
             <Arn>arn:aws:sts::{account}:assumed-role/{role}/s</Arn></AssumedRoleUser>\
             <Credentials><AccessKeyId>{akid}</AccessKeyId><SecretAccessKey>SECRET-{akid}</SecretAccessKey>\
             <SessionToken>TOKEN-{akid}</SessionToken><Expiration>{expiration}</Expiration></Credentials>\
             </AssumeRoleResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\
             </AssumeRoleResponse>"
        ),
    );
    r.headers_mut()
        .insert("content-type", "text/xml".parse().unwrap());
    r
}

/// A CreateToken answer.
pub fn create_token_response(access: &str, expires_in: u64, refresh: Option<&str>) -> Response {
    let refresh = refresh
        .map(|r| format!(",\"refreshToken\":\"{r}\""))
        .unwrap_or_default();
    response(
        200,
        format!(
            "{{\"accessToken\":\"{access}\",\"tokenType\":\"Bearer\",\"expiresIn\":{expires_in}{refresh}}}"
        ),
    )
}
