//! A profile's region by the AWS CLI v2's rules, for drivers' providers and anyone who signs
//! requests: [`profile_region`] on parsed files, [`RegionFlow`] to read them first.

use std::time::SystemTime;

use crate::Error;
use crate::config::{ConfigPaths, ConfigSet, Env, Platform, select_profile, select_region};
use crate::endpoint::validate_region;
use crate::flow::{Flow, Input, Step};
use crate::resolve::Poll;
use crate::resolve::shell::{Begun, Body, Setup, Shell};

/// The region of the profile `explicit` selects (`None`: `AWS_PROFILE`, then
/// `AWS_DEFAULT_PROFILE`, then `default`), by the AWS CLI v2's rules: `AWS_REGION`, then
/// `AWS_DEFAULT_REGION`, then the profile's `region`. `None` when none is set.
///
/// A region that is not a valid region name is an error naming where it came from.
///
/// ```
/// use awscred_core::config::{self, Env, Platform};
/// use awscred_core::region::profile_region;
///
/// let env = Env::from_pairs([("HOME", "/h")]);
/// let paths = config::config_paths(&env, Platform::current())?;
/// let set = config::load_files(&paths, Some(b"[profile dev]\nregion = eu-west-1\n"), None)?;
/// assert_eq!(profile_region(&env, &set, Some("dev"))?.as_deref(), Some("eu-west-1"));
/// assert_eq!(profile_region(&env, &set, None)?, None); // `default` has no region
///
/// let env = Env::from_pairs([("AWS_REGION", "ap-south-2")]);
/// assert_eq!(profile_region(&env, &set, Some("dev"))?.as_deref(), Some("ap-south-2"));
/// # Ok::<(), awscred_core::Error>(())
/// ```
pub fn profile_region(
    env: &Env,
    set: &ConfigSet,
    explicit: Option<&str>,
) -> Result<Option<String>, Error> {
    let profile = select_profile(env, explicit);
    let Some(region) = select_region(env, set, &profile).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    validate_region(&region).map_err(|e| {
        let why = match e {
            Error::InvalidInput(m) => m,
            other => other.to_string(),
        };
        let origin = match env.first(&["AWS_REGION", "AWS_DEFAULT_REGION"]) {
            Some(_) if env.get("AWS_REGION").is_some() => {
                "the environment variable AWS_REGION".to_string()
            }
            Some(_) => "the environment variable AWS_DEFAULT_REGION".to_string(),
            None => format!("the `region` setting of the profile \"{profile}\""),
        };
        Error::Config(format!("{why}; it comes from {origin}: fix it there"))
    })?;
    Ok(Some(region))
}

/// Finds a profile's region ([`profile_region`]) from the config and credentials files: two
/// [`Effect::Read`](crate::flow::Effect::Read)s, then [`Step::Done`] with the region (`None`
/// when none is set).
///
/// ```
/// use std::time::SystemTime;
/// use awscred_core::config::Env;
/// use awscred_core::flow::{Effect, Flow, Input, Step};
/// use awscred_core::region::RegionFlow;
///
/// let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "/cfg")]);
/// let mut flow = RegionFlow::new(env, Some("dev".into()));
/// let region = loop {
///     match flow.next_step(SystemTime::now()) {
///         Step::Effect(Effect::Read(path)) if path.ends_with("cfg") => {
///             flow.handle(Input::File(Ok(Some(b"[profile dev]\nregion = eu-north-1\n".to_vec()))), SystemTime::now())
///         }
///         Step::Effect(Effect::Read(_)) => flow.handle(Input::File(Ok(None)), SystemTime::now()),
///         Step::Done(result) => break result?,
///         other => panic!("unexpected {other:?}"),
///     }
/// };
/// assert_eq!(region.as_deref(), Some("eu-north-1"));
/// # Ok::<(), awscred_core::Error>(())
/// ```
pub struct RegionFlow {
    shell: Shell<RegionSetup>,
}

/// What [`RegionFlow`] was asked for: it ends as soon as the files are read.
struct RegionSetup {
    env: Env,
    profile: Option<String>,
}

/// The region flow has no body: the shell's configuration read is all it needs.
enum NoBody {}

impl Body for NoBody {
    type Output = Option<String>;

    fn name(&self) -> &'static str {
        match *self {}
    }

    fn resume(&mut self, _input: Option<Input>, _now: SystemTime) -> Poll<Option<String>> {
        match *self {}
    }
}

impl Setup for RegionSetup {
    type Body = NoBody;

    fn env(&self) -> &Env {
        &self.env
    }

    fn platform(&self) -> Platform {
        Platform::current()
    }

    fn begin(
        &self,
        _paths: ConfigPaths,
        set: ConfigSet,
        _now: SystemTime,
    ) -> Result<Begun<NoBody>, Error> {
        profile_region(&self.env, &set, self.profile.as_deref()).map(Begun::Finished)
    }
}

impl RegionFlow {
    /// The region of `profile` (`None`: the one the environment selects) in `env`, on this
    /// platform's home-directory rules.
    pub fn new(env: Env, profile: Option<String>) -> Self {
        RegionFlow {
            shell: Shell::new("region", RegionSetup { env, profile }),
        }
    }
}

impl std::fmt::Debug for RegionFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // File contents stay out of Debug: only where the flow stands.
        f.debug_struct("RegionFlow")
            .field("profile", &self.shell.setup.profile)
            .field("state", &self.shell.state())
            .finish()
    }
}

impl Flow for RegionFlow {
    type Output = Option<String>;

    fn next_step(&mut self, now: SystemTime) -> Step<Option<String>> {
        self.shell.next_step(now)
    }

    fn handle(&mut self, input: Input, now: SystemTime) {
        self.shell.handle(input, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn set(config: &str) -> ConfigSet {
        let env = Env::from_pairs([("HOME", "/h")]);
        let paths = config::config_paths(&env, Platform::current()).unwrap();
        config::load_files(&paths, Some(config.as_bytes()), None).unwrap()
    }

    #[test]
    fn the_environment_wins_over_the_profile() {
        let set = set("[default]\nregion = us-west-2\n[profile dev]\nregion = eu-west-1\n");
        let none = Env::from_pairs([("HOME", "/h")]);
        assert_eq!(
            profile_region(&none, &set, None).unwrap().as_deref(),
            Some("us-west-2")
        );
        let dev = Env::from_pairs([("AWS_PROFILE", "dev")]);
        assert_eq!(
            profile_region(&dev, &set, None).unwrap().as_deref(),
            Some("eu-west-1")
        );
        let both = Env::from_pairs([
            ("AWS_DEFAULT_REGION", "sa-east-1"),
            ("AWS_REGION", "af-south-1"),
        ]);
        assert_eq!(
            profile_region(&both, &set, Some("dev")).unwrap().as_deref(),
            Some("af-south-1")
        );
        let default_only = Env::from_pairs([("AWS_DEFAULT_REGION", "sa-east-1")]);
        assert_eq!(
            profile_region(&default_only, &set, Some("dev"))
                .unwrap()
                .as_deref(),
            Some("sa-east-1")
        );
    }

    #[test]
    fn a_bad_region_names_its_origin() {
        let set = set("[profile dev]\nregion = us east 1\n");
        let e = profile_region(&Env::default(), &set, Some("dev")).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("\"dev\"") && text.contains("`region`"),
            "{text}"
        );
        let env = Env::from_pairs([("AWS_REGION", "EU-WEST-1")]);
        let text = profile_region(&env, &set, Some("dev"))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("AWS_REGION") && text.contains("lower case"),
            "{text}"
        );
    }

    #[test]
    fn an_unanswered_step_is_an_error_not_a_panic() {
        let mut flow = RegionFlow::new(Env::from_pairs([("HOME", "/h")]), None);
        assert!(matches!(
            flow.next_step(SystemTime::now()),
            Step::Effect(crate::flow::Effect::Read(_))
        ));
        assert!(matches!(
            flow.next_step(SystemTime::now()),
            Step::Done(Err(_))
        ));
        let mut flow = RegionFlow::new(Env::from_pairs([("HOME", "/h")]), None);
        let _ = flow.next_step(SystemTime::now());
        flow.handle(Input::Waited, SystemTime::now());
        assert!(matches!(
            flow.next_step(SystemTime::now()),
            Step::Done(Err(_))
        ));
    }
}
