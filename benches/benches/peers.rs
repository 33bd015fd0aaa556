//! The peers, driven through their public APIs the way the AWS SDK for Rust drives them.
//! Shared by the benches and the `same_signature` test (included with `#[path]`).
#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::SystemTime;

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_types::os_shim_internal::{Env, Fs};

/// aws-sigv4 with an SDK identity made from the same credentials.
pub struct Sigv4Peer {
    identity: Identity,
}

impl Sigv4Peer {
    pub fn new(creds: &awscred_core::Credentials) -> Self {
        let sdk = aws_credential_types::Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token().map(str::to_string),
            None,
            "bench",
        );
        Sigv4Peer {
            identity: sdk.into(),
        }
    }

    /// `v4::SigningParams` with `SigningSettings::default()`, as the SDK builds per request.
    pub fn params(&self, time: SystemTime) -> aws_sigv4::http_request::SigningParams<'_> {
        v4::SigningParams::builder()
            .identity(&self.identity)
            .region("us-east-1")
            .name("sts")
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .expect("all params are set")
            .into()
    }

    /// Signs `request` in place: `SignableRequest` from its parts, `sign`, then
    /// `apply_to_request_http1x`.
    pub fn sign_with(
        &self,
        request: &mut http::Request<Vec<u8>>,
        params: &aws_sigv4::http_request::SigningParams<'_>,
    ) {
        let instructions = {
            let signable = SignableRequest::new(
                request.method().as_str(),
                awscred_benches::STS_URL,
                request
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.to_str().expect("ASCII header"))),
                SignableBody::Bytes(request.body()),
            )
            .expect("signable");
            let (instructions, _signature) = sign(signable, params)
                .expect("aws-sigv4 signs")
                .into_parts();
            instructions
        };
        instructions.apply_to_request_http1x(request);
    }

    pub fn sign(&self, request: &mut http::Request<Vec<u8>>, time: SystemTime) {
        let params = self.params(time);
        self.sign_with(request, &params);
    }
}

/// aws-config's profile loading over an in-memory file system and environment.
pub struct ConfigPeer {
    fs: Fs,
    env: Env,
    files: EnvConfigFiles,
}

const HOME: &str = "/home/bench";

impl ConfigPeer {
    pub fn new(config: &str, credentials: &str) -> Self {
        let mut map: HashMap<String, Vec<u8>> = HashMap::new();
        map.insert(format!("{HOME}/.aws/config"), config.as_bytes().to_vec());
        map.insert(
            format!("{HOME}/.aws/credentials"),
            credentials.as_bytes().to_vec(),
        );
        ConfigPeer {
            fs: Fs::from_map(map),
            env: Env::from_slice(&[("HOME", HOME)]),
            files: EnvConfigFiles::default(),
        }
    }

    /// `aws_config::profile::load`: both default files read, parsed and merged.
    pub fn load(&self) -> ProfileSet {
        block_on(aws_config::profile::load(
            &self.fs,
            &self.env,
            &self.files,
            None,
        ))
        .expect("aws-config parses the generated files")
    }

    /// The role ARNs of `profile`'s `source_profile` chain in call order, read by hand:
    /// aws-config keeps its chain resolution private, so this lookup is all a caller of its public
    /// API can do (and less than awscred's `plan` does: no validation, no session names).
    pub fn walk_chain(set: &ProfileSet, profile: &str) -> Vec<String> {
        let mut arns = Vec::new();
        let mut name = profile;
        while let Some(p) = set.get_profile(name) {
            let Some(arn) = p.get("role_arn") else { break };
            arns.push(arn.to_string());
            match p.get("source_profile") {
                Some(next) if arns.len() < 16 => name = next,
                _ => break,
            }
        }
        arns.reverse();
        arns
    }
}

/// Polls a future that never waits (the fake file system answers at once) to completion.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
