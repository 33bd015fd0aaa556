//! Vanity start URLs: a start URL on a company's own domain (`https://sso.example.com`) that
//! redirects to the IAM Identity Center portal.
//!
//! The AWS CLI (2.35 and later, `awscli/customizations/sso/resolve.py`, `resolve_start_url`)
//! sends the service the AWS-owned URL a vanity URL redirects to, and takes `sso_region` from
//! that host when it is not configured. This module makes the same decisions without I/O:
//! [`StartUrlFlow`] asks its driver for one `HEAD` (a `GET` when the server refuses `HEAD`),
//! follows at most one redirect, and checks that the result is an AWS-owned https URL.
//! An AWS-owned start URL needs no request at all.
//!
//! The configured URL still keys the caches and goes into the token file; only the service sees
//! the resolved one (see [`crate::login::LoginFlow::with_resolved_start_url`]).

use std::time::SystemTime;

use crate::Error;
use crate::flow::{Awaiting, Effect, Flow, Input, Step, unusable};

/// Host suffixes of the IAM Identity Center portals in every partition: commercial, China,
/// GovCloud and the European Sovereign Cloud (the AWS CLI's allow-list).
const AWS_OWNED_SUFFIXES: &[&str] = &[
    ".app.aws",
    ".portal.amazonaws.com",
    ".portal.amazonaws.com.cn",
    ".app.amazonwebservices.com.cn",
    ".portal.amazonaws.eu",
    ".api.amazonwebservices.eu",
    ".awsapps.com",
    ".awsapps.cn",
];

/// Hosts that are AWS-owned as a whole.
const AWS_OWNED_HOSTS: &[&str] = &[
    "identitycenter.amazonaws.com",
    "identitycenter.amazonaws.com.cn",
    "identitycenter.amazonaws.eu",
    "identitycenter.us-gov.amazonaws.com",
];

/// Redirect statuses the AWS CLI follows.
const REDIRECTS: &[u16] = &[301, 302, 303, 307, 308];

/// Whether `host` belongs to IAM Identity Center (case and a trailing dot ignored).
pub fn is_aws_owned_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    AWS_OWNED_HOSTS.contains(&host.as_str())
        || AWS_OWNED_SUFFIXES
            .iter()
            .any(|s| host.ends_with(s) || host == s[1..])
}

/// The region in a portal host name, when it carries one:
/// `{id}.portal.{region}.app.aws`, `{id}.{region}.portal.amazonaws.com[.cn|.eu]`,
/// `{id}.portal.{region}.app.amazonwebservices.com.cn`,
/// `{id}.portal.{region}.api.amazonwebservices.eu`.
pub fn region_of_host(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let region = match labels.as_slice() {
        [_, "portal", region, "app", "aws"]
        | [_, "portal", region, "app", "amazonwebservices", "com", "cn"]
        | [_, "portal", region, "api", "amazonwebservices", "eu"]
        | [_, region, "portal", "amazonaws", "com"]
        | [_, region, "portal", "amazonaws", "com", "cn"]
        | [_, region, "portal", "amazonaws", "eu"] => *region,
        _ => return None,
    };
    let plausible = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    plausible.then(|| region.to_string())
}

/// What [`StartUrlFlow`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedStartUrl {
    /// The start URL as configured.
    pub configured: String,
    /// The AWS-owned URL the vanity URL leads to; `None` when the configured URL is AWS-owned.
    pub resolved: Option<String>,
    /// The region to log in to: from the resolved host when it names one, else `sso_region`.
    pub region: String,
    /// Whether [`Self::region`] was taken from the host because `sso_region` was not set.
    pub region_derived: bool,
}

impl ResolvedStartUrl {
    /// The URL to send the service: the resolved one, else the configured one.
    pub fn service_url(&self) -> &str {
        self.resolved.as_deref().unwrap_or(&self.configured)
    }
}

/// Resolves a start URL (see the module documentation). Effects: [`Effect::Send`] only, at most
/// twice (`HEAD`, then `GET` when the server answers 405 or 501).
#[derive(Debug)]
pub struct StartUrlFlow {
    configured: String,
    /// `sso_region` when configured, with the message naming where to set it otherwise.
    configured_region: Option<String>,
    state: State,
    awaiting: Awaiting,
}

#[derive(Debug)]
enum State {
    Probe { url: String, method: http::Method },
    Finished(Result<ResolvedStartUrl, Error>),
    Taken,
}

impl StartUrlFlow {
    /// A resolution of `start_url` as configured, with `sso_region` when it is set.
    pub fn new(start_url: &str, sso_region: Option<&str>) -> StartUrlFlow {
        let configured_region = sso_region
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let state = match first_state(start_url, configured_region.as_deref()) {
            Ok(state) => state,
            Err(e) => State::Finished(Err(e)),
        };
        StartUrlFlow {
            configured: start_url.to_string(),
            configured_region,
            state,
            awaiting: Awaiting::default(),
        }
    }

    fn finish(&self, url: &str) -> Result<ResolvedStartUrl, Error> {
        let normal = normalize(url)
            .ok_or_else(|| self.error(&format!("it led to {url:?}, which is not a URL")))?;
        let uri: http::Uri = normal
            .parse()
            .map_err(|_| self.error(&format!("it led to {normal:?}, which is not a URL")))?;
        let host = uri.host().unwrap_or_default();
        if !is_aws_owned_host(host) {
            return Err(self.error(&format!(
                "it led to {normal:?}, which is not an IAM Identity Center portal; set sso_start_url \
                 to the AWS access portal URL (https://…awsapps.com/start or https://…app.aws)"
            )));
        }
        if uri.scheme_str() != Some("https") {
            return Err(self.error(&format!("it led to {normal:?}, which is not https")));
        }
        let (region, region_derived) = match (region_of_host(host), &self.configured_region) {
            (Some(found), configured) => {
                let derived = configured.as_deref() != Some(found.as_str());
                (found, derived)
            }
            (None, Some(configured)) => (configured.clone(), false),
            (None, None) => {
                return Err(Error::Config(format!(
                    "the start URL {:?} leads to {normal:?}, whose host does not name a region; \
                     add sso_region (e.g. sso_region = us-east-1) next to sso_start_url",
                    self.configured
                )));
            }
        };
        Ok(ResolvedStartUrl {
            configured: self.configured.clone(),
            resolved: Some(normal),
            region,
            region_derived,
        })
    }

    fn error(&self, why: &str) -> Error {
        Error::Config(format!(
            "could not resolve the start URL {:?}: {why}",
            self.configured
        ))
    }

    fn on_response(
        &self,
        url: &str,
        method: &http::Method,
        response: http::Response<Vec<u8>>,
    ) -> State {
        let status = response.status().as_u16();
        if REDIRECTS.contains(&status) {
            let Some(location) = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
            else {
                return State::Finished(Err(
                    self.error(&format!("HTTP {status} without a Location header"))
                ));
            };
            // Only one redirect is followed: the AWS-owned portal is where the next one ends.
            return State::Finished(
                join(url, location)
                    .ok_or_else(|| {
                        self.error(&format!("the redirect to {location:?} is not a URL"))
                    })
                    .and_then(|next| self.finish(&next)),
            );
        }
        if (status == 405 || status == 501) && method == http::Method::HEAD {
            return State::Probe {
                url: url.to_string(),
                method: http::Method::GET,
            };
        }
        if (200..300).contains(&status) {
            return State::Finished(self.finish(url));
        }
        State::Finished(Err(
            self.error(&format!("{method} {url} answered HTTP {status}"))
        ))
    }
}

fn first_state(start_url: &str, configured_region: Option<&str>) -> Result<State, Error> {
    let bad =
        |why: &str| Error::Config(format!("sso_start_url {start_url:?} is not usable: {why}"));
    let uri: http::Uri = start_url
        .trim()
        .parse()
        .map_err(|_| bad("it is not a URL (expected https://…)"))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("it has no host"))?;
    let scheme_ok = match uri.scheme_str() {
        Some("https") => true,
        // Plain http only for a server on this machine (emulators, tests), as for endpoints.
        Some("http") => crate::endpoint::is_loopback_host(host),
        _ => false,
    };
    if !scheme_ok {
        return Err(bad("it must start with https://"));
    }
    if is_aws_owned_host(host) {
        return match configured_region {
            Some(region) => Ok(State::Finished(Ok(ResolvedStartUrl {
                configured: start_url.to_string(),
                resolved: None,
                region: region.to_string(),
                region_derived: false,
            }))),
            None => Err(Error::Config(format!(
                "sso_region is not set for the start URL {start_url:?}; add sso_region \
                 (e.g. sso_region = us-east-1) next to sso_start_url"
            ))),
        };
    }
    Ok(State::Probe {
        url: start_url.trim().to_string(),
        method: http::Method::HEAD,
    })
}

/// `location` relative to `base`: absolute URLs as they are, `/path` on the same origin.
fn join(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if location.contains("://") {
        return Some(location.to_string());
    }
    let uri: http::Uri = base.parse().ok()?;
    let origin = format!("{}://{}", uri.scheme_str()?, uri.authority()?);
    if location.starts_with('/') {
        Some(format!("{origin}{location}"))
    } else {
        let path = uri.path();
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        Some(format!("{origin}{dir}{location}"))
    }
}

/// The URL without query, fragment, trailing `/` or default port (as the AWS CLI compares them).
fn normalize(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    let port = match (scheme, uri.port_u16()) {
        ("https", Some(443)) | ("http", Some(80)) | (_, None) => String::new(),
        (_, Some(p)) => format!(":{p}"),
    };
    let path = uri.path().trim_end_matches('/');
    Some(format!(
        "{scheme}://{}{port}{path}",
        host.to_ascii_lowercase()
    ))
}

impl Flow for StartUrlFlow {
    type Output = ResolvedStartUrl;

    fn next_step(&mut self, _now: SystemTime) -> Step<ResolvedStartUrl> {
        let step = match &self.state {
            State::Probe { url, method } => {
                match http::Request::builder()
                    .method(method.clone())
                    .uri(url.as_str())
                    .header(http::header::ACCEPT, "text/html")
                    .body(Vec::new())
                {
                    Ok(request) => Step::Effect(Effect::Send(request)),
                    Err(e) => {
                        self.state = State::Taken;
                        Step::Done(Err(self.error(&e.to_string())))
                    }
                }
            }
            State::Finished(_) => match std::mem::replace(&mut self.state, State::Taken) {
                State::Finished(result) => Step::Done(result),
                _ => Step::Done(Err(self.error("the flow ended twice"))),
            },
            State::Taken => Step::Done(Err(Error::InvalidInput(
                "the start URL flow has already ended".into(),
            ))),
        };
        self.awaiting.handed_out(&step);
        step
    }

    fn handle(&mut self, input: Input, _now: SystemTime) {
        let doing = "resolving the start URL";
        let input = match self.awaiting.check("start URL", doing, input) {
            Ok(input) => input,
            Err(e) => {
                self.state = State::Finished(Err(e));
                return;
            }
        };
        let State::Probe { url, method } = std::mem::replace(&mut self.state, State::Taken) else {
            self.state = State::Finished(Err(unusable(&input, doing)));
            return;
        };
        self.state = match input {
            Input::Response(Ok(response)) => self.on_response(&url, &method, response),
            Input::Response(Err(e)) => State::Finished(Err(e)),
            other => State::Finished(Err(unusable(&other, doing))),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_owned_hosts_of_every_partition() {
        for host in [
            "d-123.awsapps.com",
            "D-123.AWSAPPS.COM.",
            "d-123.awsapps.cn",
            "ssoins-1.portal.us-east-1.app.aws",
            "ssoins-1.eu-west-1.portal.amazonaws.com",
            "ssoins-1.cn-north-1.portal.amazonaws.com.cn",
            "ssoins-1.portal.cn-north-1.app.amazonwebservices.com.cn",
            "ssoins-1.eusc-de-east-1.portal.amazonaws.eu",
            "ssoins-1.portal.eusc-de-east-1.api.amazonwebservices.eu",
            "identitycenter.amazonaws.com",
            "identitycenter.us-gov.amazonaws.com",
        ] {
            assert!(is_aws_owned_host(host), "{host}");
        }
        for host in [
            "sso.example.com",
            "awsapps.com.example.com",
            "evilawsapps.com",
            "app.aws.example.com",
            "identitycenter.amazonaws.com.example",
        ] {
            assert!(!is_aws_owned_host(host), "{host}");
        }
    }

    #[test]
    fn regions_from_hosts() {
        for (host, region) in [
            ("ssoins-1.portal.us-east-1.app.aws", Some("us-east-1")),
            ("ssoins-1.eu-west-1.portal.amazonaws.com", Some("eu-west-1")),
            ("x.cn-north-1.portal.amazonaws.com.cn", Some("cn-north-1")),
            (
                "x.portal.cn-northwest-1.app.amazonwebservices.com.cn",
                Some("cn-northwest-1"),
            ),
            (
                "x.eusc-de-east-1.portal.amazonaws.eu",
                Some("eusc-de-east-1"),
            ),
            (
                "x.portal.eusc-de-east-1.api.amazonwebservices.eu",
                Some("eusc-de-east-1"),
            ),
            ("d-123.awsapps.com", None),
            ("x.portal.us_east.app.aws", None),
        ] {
            assert_eq!(region_of_host(host).as_deref(), region, "{host}");
        }
    }

    #[test]
    fn urls_are_normalized_and_joined() {
        assert_eq!(
            normalize("https://X.portal.us-east-1.app.aws:443/start/?a=b#c").as_deref(),
            Some("https://x.portal.us-east-1.app.aws/start")
        );
        assert_eq!(
            join("https://sso.example.com/a/b", "/start").as_deref(),
            Some("https://sso.example.com/start")
        );
        assert_eq!(
            join("https://sso.example.com/a/b", "c").as_deref(),
            Some("https://sso.example.com/a/c")
        );
    }

    fn drive(
        mut flow: StartUrlFlow,
        mut answer: impl FnMut(&http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error>,
    ) -> (Vec<String>, Result<ResolvedStartUrl, Error>) {
        let now = SystemTime::UNIX_EPOCH;
        let mut sent = Vec::new();
        loop {
            match flow.next_step(now) {
                Step::Done(result) => return (sent, result),
                Step::Effect(Effect::Send(request)) => {
                    sent.push(format!("{} {}", request.method(), request.uri()));
                    let response = answer(&request);
                    flow.handle(Input::Response(response), now);
                }
                Step::Effect(other) => panic!("unexpected effect {:?}", other.kind()),
            }
        }
    }

    fn reply(status: u16, location: Option<&str>) -> Result<http::Response<Vec<u8>>, Error> {
        let mut b = http::Response::builder().status(status);
        if let Some(l) = location {
            b = b.header("location", l);
        }
        Ok(b.body(Vec::new()).expect("a response"))
    }

    const PORTAL: &str = "https://ssoins-1.portal.eu-west-1.app.aws/start/";

    #[test]
    fn an_aws_owned_url_needs_no_request() {
        let (sent, result) = drive(
            StartUrlFlow::new("https://d-123.awsapps.com/start", Some("us-east-1")),
            |_| panic!("no request"),
        );
        assert!(sent.is_empty());
        let r = result.expect("resolved");
        assert_eq!(
            (r.resolved, r.region.as_str(), r.region_derived),
            (None, "us-east-1", false)
        );
    }

    #[test]
    fn one_redirect_is_followed_and_the_region_taken_from_the_host() {
        let (sent, result) = drive(
            StartUrlFlow::new("https://sso.example.com/start", None),
            |_| reply(302, Some(PORTAL)),
        );
        assert_eq!(sent, ["HEAD https://sso.example.com/start"]);
        let r = result.expect("resolved");
        assert_eq!(
            r.resolved.as_deref(),
            Some("https://ssoins-1.portal.eu-west-1.app.aws/start")
        );
        assert_eq!((r.region.as_str(), r.region_derived), ("eu-west-1", true));
        assert_eq!(
            r.service_url(),
            "https://ssoins-1.portal.eu-west-1.app.aws/start"
        );
    }

    #[test]
    fn a_refused_head_falls_back_to_get() {
        let (sent, result) = drive(
            StartUrlFlow::new("https://sso.example.com/start", Some("eu-west-1")),
            |r| {
                if r.method() == http::Method::HEAD {
                    reply(405, None)
                } else {
                    reply(301, Some("https://d-123.awsapps.com/start"))
                }
            },
        );
        assert_eq!(sent.len(), 2);
        let r = result.expect("resolved");
        // No region in an awsapps.com host: the configured one is kept.
        assert_eq!((r.region.as_str(), r.region_derived), ("eu-west-1", false));
    }

    #[test]
    fn what_cannot_be_resolved_is_an_error_naming_the_url() {
        let cases = [
            (404, None, "HTTP 404"),
            (302, None, "without a Location"),
            (
                302,
                Some("https://evil.example.net/start"),
                "not an IAM Identity Center portal",
            ),
            (
                302,
                Some("http://ssoins-1.portal.eu-west-1.app.aws/start"),
                "not https",
            ),
            (302, Some("https://d-1.awsapps.com/start"), "add sso_region"),
            (200, None, "not an IAM Identity Center portal"),
        ];
        for (status, location, says) in cases {
            let (_, result) = drive(
                StartUrlFlow::new("https://sso.example.com/start", None),
                |_| reply(status, location),
            );
            let e = result.expect_err(says).to_string();
            assert!(e.contains(says), "{e}");
            assert!(e.contains("sso.example.com"), "{e}");
        }
        let (_, result) = drive(
            StartUrlFlow::new("http://sso.example.com/start", None),
            |_| panic!("no request"),
        );
        assert!(result.expect_err("http").to_string().contains("https://"));
        let transport = Error::Transport {
            kind: crate::TransportKind::Connect,
            message: "refused".into(),
        };
        let (_, result) = drive(StartUrlFlow::new("https://sso.example.com/", None), |_| {
            Err(transport.clone())
        });
        assert_eq!(result, Err(transport.clone()));
    }
}
