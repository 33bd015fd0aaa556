//! The console login source (`login_session`) in a build without the crate's `login-session`
//! feature: the profile still parses and plans as in every build (so it can be a role's
//! `source_profile`, and the default chain stops at it as botocore's does), but its resolution
//! ends with [`unavailable`] instead of reading the cache file, since refreshing it needs the
//! P-256 DPoP proofs the feature brings.

use std::time::SystemTime;

use super::source::Next;
use super::{Ctx, Poll, out_of_step};
use crate::Error;
use crate::config::LoginSessionSource;
use crate::flow::Input;

/// The error of a `login_session` profile in this build: it names the profile and the session,
/// says what is missing and how to get it.
pub(crate) fn unavailable(source: &LoginSessionSource) -> Error {
    Error::Config(format!(
        "the profile \"{}\" gets its credentials from a console login session (login_session = {}), \
         but this build of awscred-core was built without its `login-session` feature: enable that \
         feature (`awscred-core = {{ features = [\"login-session\"] }}`; awscred-ureq and \
         awscred-hyper enable it by default), or use the awscred command, which has it",
        source.profile, source.login_session
    ))
}

/// Gets the credentials of a `login_session` profile: here, the error that says why it cannot.
pub(crate) struct LoginSessionRunner {
    source: LoginSessionSource,
}

impl LoginSessionRunner {
    pub(crate) fn new(source: LoginSessionSource) -> Self {
        LoginSessionRunner { source }
    }

    pub(crate) fn name(&self) -> &'static str {
        "starting on the console login session"
    }

    /// Nothing is read, so nothing can have gone wrong with a file.
    pub(crate) fn take_warnings(&mut self) -> Vec<super::FileWarning> {
        Vec::new()
    }

    /// Ends at once: `input` = `None` is the start; an answer means a driver out of step.
    pub(crate) fn resume(&mut self, _ctx: &Ctx, input: Option<Input>, _now: SystemTime) -> Next {
        match input {
            None => Poll::Ready(Err(unavailable(&self.source))),
            input => Poll::Ready(Err(out_of_step(input, self.name()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use crate::Error;
    use crate::config::{Env, Platform};
    use crate::flow::{Effect, Flow, Input, Step};
    use crate::resolve::{ResolveFlow, ResolveRequest};

    const CONFIG: &str = "[profile console]\n\
        login_session = arn:aws:iam::123456789012:user/dev\n\
        region = eu-west-1\n\
        [profile role]\n\
        role_arn = arn:aws:iam::123456789012:role/R\n\
        source_profile = console\n";

    /// Drives a resolution of `profile` over CONFIG with no credentials file, answering each
    /// read from memory; any other effect means the flow went further than it should.
    fn resolve(profile: &str) -> Error {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut request = ResolveRequest::new(Env::from_pairs([("HOME", "/home/u")]))
            .profile(profile)
            .random([9; 16]);
        request.platform = Platform::Unix;
        let mut flow = ResolveFlow::new(request);
        for _ in 0..20 {
            match flow.next_step(now) {
                Step::Effect(Effect::Read(path)) => {
                    let answer = (path == std::path::Path::new("/home/u/.aws/config"))
                        .then(|| CONFIG.as_bytes().to_vec());
                    flow.handle(Input::File(Ok(answer)), now);
                }
                Step::Effect(other) => panic!("no {other:?} without the feature"),
                Step::Done(Ok(_)) => panic!("a login_session profile resolved without the feature"),
                Step::Done(Err(e)) => return e,
            }
        }
        panic!("the resolution did not end");
    }

    #[test]
    fn login_session_profile_without_the_feature_is_a_clear_error() {
        for profile in ["console", "role"] {
            let e = resolve(profile);
            assert!(matches!(e, Error::Config(_)), "{profile}: {e:?}");
            let text = e.to_string();
            for says in [
                "the profile \"console\"",
                "login_session = arn:aws:iam::123456789012:user/dev",
                "without its `login-session` feature",
                "enable that feature",
                "the awscred command",
            ] {
                assert!(text.contains(says), "{profile}: {text:?} lacks {says:?}");
            }
        }
    }
}
