//! What a driver's credentials provider needs from the core besides the cache policy
//! ([`crate::cache`]): the options it is built from ([`Builder`]), the profile it resolves
//! ([`ProfileSource`]) and that profile's region ([`RegionFlow`], [`profile_region`]).
//!
//! Both drivers' `Provider`s hold a [`ProfileSource`], run the flows it makes with their own
//! flow loop, and hand each finished resolution back to it, so that what is resolved and what
//! is remembered between resolutions is decided here once.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use crate::Error;
use crate::cache::Clock;
use crate::config::{ConfigSet, Env, Platform, select_profile, select_region};
use crate::endpoint::validate_region;
use crate::flow::Interact;
use crate::flow::{Flow, Input, Step};
use crate::resolve::{Action, ConfigProgress, ConfigRead, ResolveFlow, ResolveRequest, unexpected};

/// A driver's credentials provider, built from [`ProviderOptions`] by [`Builder::build`]: both
/// drivers' `Provider::builder()` return a [`Builder`] of their provider, so the two have the
/// same options.
pub trait BuildProvider: Sized {
    /// The driver's HTTP client.
    type Client;

    /// The provider these options describe.
    fn from_options(options: ProviderOptions<Self::Client>) -> Self;
}

/// What a provider is built from; every field left `None` takes the driver's default.
pub struct ProviderOptions<C> {
    /// The environment snapshot; `None`: the process's environment when the provider is built.
    pub env: Option<Env>,
    /// The profile named explicitly (`--profile`); `None`: the environment selects.
    pub profile: Option<String>,
    /// Read and fill the AWS CLI's credential cache (`true` unless turned off).
    pub use_cli_cache: bool,
    /// The HTTP client; `None`: the driver's default client.
    pub client: Option<C>,
    /// Who answers MFA prompts; `None`: [`crate::flow::NonInteractive`].
    pub interact: Option<Box<dyn Interact + Send>>,
    /// The clock the in-memory cache decides with; `None`: the system clock.
    pub clock: Option<Clock>,
}

impl<C> ProviderOptions<C> {
    /// The [`ProfileSource`] these options name, in `env` when no environment was given.
    pub fn source(&mut self, env: impl FnOnce() -> Env) -> ProfileSource {
        let env = self.env.take().unwrap_or_else(env);
        ProfileSource::new(env, self.profile.take()).use_cli_cache(self.use_cli_cache)
    }
}

/// Builds a driver's provider: `awscred_ureq::Provider::builder()` or
/// `awscred_hyper::Provider::builder()`, then any of the options, then [`Builder::build`].
///
/// For example `Provider::builder().profile("dev").use_cli_cache(false).build()` is the
/// provider of the profile `dev` that leaves `~/.aws/cli/cache` alone, in either driver.
#[must_use = "a builder does nothing until `build` is called"]
pub struct Builder<P: BuildProvider> {
    options: ProviderOptions<P::Client>,
    provider: PhantomData<fn() -> P>,
}

impl<P: BuildProvider> Default for Builder<P> {
    fn default() -> Self {
        Builder {
            options: ProviderOptions {
                env: None,
                profile: None,
                use_cli_cache: true,
                client: None,
                interact: None,
                clock: None,
            },
            provider: PhantomData,
        }
    }
}

impl<P: BuildProvider> std::fmt::Debug for Builder<P>
where
    P::Client: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Env's Debug shows variable names only.
        f.debug_struct("Builder")
            .field("env", &self.options.env)
            .field("profile", &self.options.profile)
            .field("use_cli_cache", &self.options.use_cli_cache)
            .field("client", &self.options.client)
            .finish_non_exhaustive()
    }
}

impl<P: BuildProvider> Builder<P> {
    /// The profile to resolve, as with the AWS CLI's `--profile` (environment keys then do not
    /// apply). Without it the environment selects: `AWS_PROFILE`, then `default`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.options.profile = Some(name.into());
        self
    }

    /// The environment snapshot to resolve in (`HOME`, `AWS_CONFIG_FILE`, `AWS_REGION`…).
    /// Without it, the process's environment when [`Builder::build`] runs.
    pub fn env(mut self, env: Env) -> Self {
        self.options.env = Some(env);
        self
    }

    /// Whether to read and fill the AWS CLI's credential cache, `~/.aws/cli/cache` (on by
    /// default, as with the AWS CLI).
    pub fn use_cli_cache(mut self, on: bool) -> Self {
        self.options.use_cli_cache = on;
        self
    }

    /// The HTTP client (timeouts, retries). Without it, the driver's default client.
    pub fn client(mut self, client: P::Client) -> Self {
        self.options.client = Some(client);
        self
    }

    /// Lets resolution ask the user (an MFA code) through `interact`. Without it,
    /// [`crate::flow::NonInteractive`]: a role that needs an MFA code fails with a clear error.
    pub fn interact(mut self, interact: impl Interact + Send + 'static) -> Self {
        self.options.interact = Some(Box::new(interact));
        self
    }

    /// The clock the in-memory cache decides with (the flows keep the system clock). For tests
    /// that step through refresh windows and back-offs; without it, the system clock.
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.options.clock = Some(Arc::new(clock));
        self
    }

    /// The provider.
    pub fn build(self) -> P {
        P::from_options(self.options)
    }
}

/// A profile to resolve, as the AWS CLI v2 would with (or without) `--profile`, and the one
/// thing remembered between resolutions: the last SSO token refresh attempt, so that the core
/// tries at most one a minute ([`crate::cache::SSO_TOKEN_MIN_TIME_BETWEEN_REFRESHES`]).
///
/// `Debug` shows the profile and the environment's variable names, never their values.
///
/// ```
/// use awscred_core::config::Env;
/// use awscred_core::provider::ProfileSource;
///
/// let source = ProfileSource::new(Env::from_pairs([("HOME", "/home/me")]), Some("dev".into()))
///     .use_cli_cache(false);
/// assert_eq!(source.profile(), Some("dev"));
/// let flow = source.resolve_flow(); // run it with a driver, then `source.record(&flow)`
/// # let _ = flow;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSource {
    request: ResolveRequest,
}

impl ProfileSource {
    /// The profile `profile` (`None`: the one the environment selects, with environment keys
    /// winning, as without `--profile`) in the environment snapshot `env`, using the AWS CLI's
    /// credential cache.
    pub fn new(env: Env, profile: Option<String>) -> Self {
        let mut request = ResolveRequest::new(env);
        request.profile = profile;
        ProfileSource { request }
    }

    /// Whether to read and fill the AWS CLI's credential cache, `~/.aws/cli/cache` (on by
    /// default, as the AWS CLI does).
    pub fn use_cli_cache(mut self, on: bool) -> Self {
        self.request.use_cli_cache = on;
        self
    }

    /// The environment snapshot.
    pub fn env(&self) -> &Env {
        &self.request.env
    }

    /// The profile named explicitly, if any.
    pub fn profile(&self) -> Option<&str> {
        self.request.profile.as_deref()
    }

    /// Whether the AWS CLI's credential cache is used.
    pub fn uses_cli_cache(&self) -> bool {
        self.request.use_cli_cache
    }

    /// A flow resolving the profile now.
    pub fn resolve_flow(&self) -> ResolveFlow {
        ResolveFlow::new(self.request.clone())
    }

    /// Remembers what a resolution made with [`ProfileSource::resolve_flow`] has to tell the
    /// next one; call it whether the flow succeeded or not (a failed SSO token refresh counts
    /// too, as in botocore).
    pub fn record(&mut self, flow: &ResolveFlow) {
        if let Some(at) = flow.refresh_attempted_at() {
            self.request.last_refresh_attempt = Some(at);
        }
    }

    /// A flow finding the profile's region ([`profile_region`]).
    pub fn region_flow(&self) -> RegionFlow {
        RegionFlow::new(self.request.env.clone(), self.request.profile.clone())
    }
}

/// Where a provider's credentials come from — a [`ProfileSource`], or a driver's custom
/// resolver `R` — and what the provider keeps beside its credentials: what the last
/// resolution has to tell the next, and the region once read. Shared by a provider's clones.
///
/// Its locks are held only to hand out a flow or to take in a result, never while a flow runs,
/// so a driver may use it from async code.
pub struct ProviderSource<R> {
    profile: Mutex<ProfileSource>,
    resolver: Option<R>,
    region: OnceLock<Option<String>>,
}

impl<R> std::fmt::Debug for ProviderSource<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // ProfileSource's Debug shows the environment's variable names only.
        match &self.resolver {
            None => self.lock().fmt(f),
            Some(_) => f.write_str("custom resolver"),
        }
    }
}

impl<R: Clone> ProviderSource<R> {
    /// Credentials from resolving `profile`.
    pub fn profile(profile: ProfileSource) -> Self {
        ProviderSource {
            profile: Mutex::new(profile),
            resolver: None,
            region: OnceLock::new(),
        }
    }

    /// Credentials from `resolver`; the region is the one `env` selects (`AWS_REGION`, then the
    /// `region` of `AWS_PROFILE` or `default`).
    pub fn custom(resolver: R, env: Env) -> Self {
        ProviderSource {
            profile: Mutex::new(ProfileSource::new(env, None)),
            resolver: Some(resolver),
            region: OnceLock::new(),
        }
    }

    /// The same source with nothing remembered but the last SSO token refresh attempt, for a
    /// provider rebuilt with another part.
    pub fn renewed(&self) -> Self {
        ProviderSource {
            profile: Mutex::new(self.lock().clone()),
            resolver: self.resolver.clone(),
            region: OnceLock::new(),
        }
    }

    /// The custom resolver, if this source has one.
    pub fn resolver(&self) -> Option<&R> {
        self.resolver.as_ref()
    }

    /// A flow resolving the profile now; an error for a source with a custom resolver (it has
    /// no profile). Hand the flow back to [`ProviderSource::record`] when it ends.
    pub fn resolve_flow(&self) -> Result<ResolveFlow, Error> {
        match self.resolver {
            None => Ok(self.lock().resolve_flow()),
            Some(_) => Err(Error::InvalidInput(
                "this provider was made with `from_resolver` and has no profile to resolve; \
                 call `credentials()` instead"
                    .into(),
            )),
        }
    }

    /// Takes in a resolution's end, successful or not ([`ProfileSource::record`]).
    pub fn record(&self, flow: &ResolveFlow) {
        self.lock().record(flow);
    }

    /// The region when already read ([`ProviderSource::remember_region`]).
    pub fn known_region(&self) -> Option<Option<String>> {
        self.region.get().cloned()
    }

    /// The flow that finds the region; hand its result to [`ProviderSource::remember_region`].
    pub fn region_flow(&self) -> RegionFlow {
        self.lock().region_flow()
    }

    /// Keeps the region a [`RegionFlow`] found (the first one kept wins) and returns it.
    pub fn remember_region(&self, region: Option<String>) -> Option<String> {
        self.region.get_or_init(|| region).clone()
    }
}

impl<R> ProviderSource<R> {
    /// A poisoned lock only means a panic elsewhere; the source inside is replaced whole.
    fn lock(&self) -> MutexGuard<'_, ProfileSource> {
        self.profile.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The region of the profile `explicit` selects (`None`: `AWS_PROFILE`, then
/// `AWS_DEFAULT_PROFILE`, then `default`), by the AWS CLI v2's rules: `AWS_REGION`, then
/// `AWS_DEFAULT_REGION`, then the profile's `region`. `None` when none is set.
///
/// A region that is not a valid region name is an error naming where it came from.
///
/// ```
/// use awscred_core::config::{self, Env, Platform};
/// use awscred_core::provider::profile_region;
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
/// [`Step::Read`]s, then [`Step::Done`] with the region (`None` when none is set).
///
/// ```
/// use std::time::SystemTime;
/// use awscred_core::config::Env;
/// use awscred_core::flow::{Flow, Input, Step};
/// use awscred_core::provider::RegionFlow;
///
/// let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "/cfg")]);
/// let mut flow = RegionFlow::new(env, Some("dev".into()));
/// let region = loop {
///     match flow.next_step(SystemTime::now()) {
///         Step::Read(path) if path.ends_with("cfg") => {
///             flow.handle(Input::File(Ok(Some(b"[profile dev]\nregion = eu-north-1\n".to_vec()))), SystemTime::now())
///         }
///         Step::Read(_) => flow.handle(Input::File(Ok(None)), SystemTime::now()),
///         Step::Done(result) => break result?,
///         other => panic!("unexpected {other:?}"),
///     }
/// };
/// assert_eq!(region.as_deref(), Some("eu-north-1"));
/// # Ok::<(), awscred_core::Error>(())
/// ```
#[derive(Debug)]
pub struct RegionFlow {
    env: Env,
    profile: Option<String>,
    phase: Phase,
}

enum Phase {
    Start,
    Pending(Box<Action>, ConfigRead),
    Waiting(ConfigRead),
    Finished(Option<Result<Option<String>, Error>>),
}

impl std::fmt::Debug for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // File contents stay out of Debug: only where the flow stands.
        f.write_str(match self {
            Phase::Start => "Start",
            Phase::Pending(..) => "Pending",
            Phase::Waiting(read) => read.name(),
            Phase::Finished(_) => "Finished",
        })
    }
}

impl RegionFlow {
    /// The region of `profile` (`None`: the one the environment selects) in `env`, on this
    /// platform's home-directory rules.
    pub fn new(env: Env, profile: Option<String>) -> Self {
        RegionFlow {
            env,
            profile,
            phase: Phase::Start,
        }
    }
}

impl Flow for RegionFlow {
    type Output = Option<String>;

    fn next_step(&mut self, _now: SystemTime) -> Step<Option<String>> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
                Phase::Start => {
                    self.phase = match ConfigRead::start(&self.env, Platform::current()) {
                        Ok((action, read)) => Phase::Pending(Box::new(action), read),
                        Err(e) => Phase::Finished(Some(Err(e))),
                    }
                }
                Phase::Pending(action, read) => {
                    self.phase = Phase::Waiting(read);
                    return action.into_step();
                }
                Phase::Waiting(read) => {
                    return Step::Done(Err(Error::InvalidInput(format!(
                        "the region flow was asked for its next step while {} was unanswered",
                        read.name()
                    ))));
                }
                Phase::Finished(Some(result)) => return Step::Done(result),
                Phase::Finished(None) => {
                    return Step::Done(Err(Error::InvalidInput(
                        "the region flow has already finished".into(),
                    )));
                }
            }
        }
    }

    fn handle(&mut self, input: Input, _now: SystemTime) {
        self.phase = match std::mem::replace(&mut self.phase, Phase::Finished(None)) {
            Phase::Waiting(read) => match read.on_input(input) {
                Ok(ConfigProgress::Read(action, read)) => Phase::Pending(Box::new(action), read),
                Ok(ConfigProgress::Loaded(_, set)) => Phase::Finished(Some(profile_region(
                    &self.env,
                    &set,
                    self.profile.as_deref(),
                ))),
                Err(e) => Phase::Finished(Some(Err(e))),
            },
            _ => Phase::Finished(Some(Err(unexpected(&input, "finding the region")))),
        };
    }
}

/// The part of a driver's `Provider` that is the same in both drivers — the type, its
/// constructors and the options that rebuild it, `invalidate`, `client` and `Debug` — written
/// once. Each driver expands it in its `provider.rs` and adds what depends on its I/O model
/// (`from_resolver`, `credentials`, `region`, `resolve_now`, in blocking or async form).
///
/// The driver's module must define `Client`, `Resolver` (its boxed resolver type),
/// `Builder = awscred_core::provider::Builder<Provider>`, and `$cache`, its in-memory cache
/// with `with_clock(Clock)`, `clock() -> Clock`, `clear()` and `Debug`. `$interact` is the cell
/// that serialises the user's side (`std::sync::Mutex<Box<dyn Interact + Send>>`, or tokio's).
#[doc(hidden)]
#[macro_export]
macro_rules! __driver_provider {
    (
        $(#[$meta:meta])*
        crate = $krate:literal,
        interact = $interact:ty,
        cache = $cache:ty $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct Provider {
            inner: ::std::sync::Arc<Inner>,
        }

        struct Inner {
            client: Client,
            source: $crate::provider::ProviderSource<Resolver>,
            interact: ::std::sync::Arc<$interact>,
            cache: $cache,
        }

        impl ::std::fmt::Debug for Provider {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                // The source's Debug shows variable names only; Credentials' Debug redacts.
                f.debug_struct("Provider")
                    .field("source", &self.inner.source)
                    .field("client", &self.inner.client)
                    .field("cache", &self.inner.cache)
                    .finish_non_exhaustive()
            }
        }

        impl $crate::provider::BuildProvider for Provider {
            type Client = Client;

            fn from_options(mut options: $crate::provider::ProviderOptions<Client>) -> Provider {
                let source = $crate::provider::ProviderSource::profile(options.source(|| {
                    $crate::config::Env::from_pairs(::std::env::vars())
                }));
                let interact = options
                    .interact
                    .unwrap_or_else(|| ::std::boxed::Box::new($crate::flow::NonInteractive));
                Provider::assemble(
                    options.client.unwrap_or_default(),
                    source,
                    ::std::sync::Arc::new(<$interact>::new(interact)),
                    options
                        .clock
                        .unwrap_or_else(|| ::std::sync::Arc::new(::std::time::SystemTime::now)),
                )
            }
        }

        impl Provider {
            /// A provider for the environment of this process, resolved as the AWS CLI v2 does
            /// without `--profile`: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` when set, else
            /// the profile `AWS_PROFILE` (or `default`) selects from `AWS_CONFIG_FILE` /
            /// `~/.aws/config`. The environment is read once, now.
            ///
            /// ```no_run
            #[doc = concat!("let provider = ", $krate, "::Provider::from_env();")]
            /// ```
            pub fn from_env() -> Self {
                Provider::builder().build()
            }

            /// A provider for the profile `name`, as with the AWS CLI's `--profile name`
            /// (environment keys then do not apply), with the rest of this process's
            /// environment read now.
            ///
            /// ```no_run
            #[doc = concat!("let provider = ", $krate, "::Provider::from_profile(\"dev\");")]
            /// ```
            pub fn from_profile(name: impl Into<String>) -> Self {
                Provider::builder().profile(name).build()
            }

            /// A provider for an explicit environment snapshot and, optionally, an explicit
            /// profile (`None` lets the environment choose, as [`Provider::from_env`] does),
            /// on [`Client::default`].
            ///
            /// Resolution never asks the user anything (see [`Provider::with_interact`]): a
            /// role that needs an MFA code fails with a clear error, and an SSO session that
            /// needs a login fails with `Error::LoginNeeded` naming the `awscred login`
            /// command to run.
            ///
            /// ```no_run
            #[doc = concat!("use ", $krate, "::{Env, Provider};")]
            /// let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_PROFILE", "dev")]);
            /// let provider = Provider::new(env, None); // `dev`, from AWS_PROFILE
            /// ```
            pub fn new(env: $crate::config::Env, profile: Option<String>) -> Self {
                let builder = Provider::builder().env(env);
                match profile {
                    Some(name) => builder.profile(name).build(),
                    None => builder.build(),
                }
            }

            /// A builder, for the options the constructors above do not take.
            ///
            /// ```no_run
            #[doc = concat!("use ", $krate, "::{Client, ClientConfig, Env, NonInteractive, Provider};")]
            /// let provider = Provider::builder()
            ///     .profile("dev")
            ///     .env(Env::from_pairs(std::env::vars()))
            ///     .use_cli_cache(false)
            ///     .client(Client::new(ClientConfig::default()))
            ///     .interact(NonInteractive)
            ///     .build();
            /// ```
            pub fn builder() -> Builder {
                Builder::default()
            }

            /// A provider from an already boxed [`Resolver`]; see `Provider::from_resolver`.
            pub fn from_boxed_resolver(client: Client, resolver: Resolver) -> Self {
                let env = $crate::config::Env::from_pairs(::std::env::vars());
                let interact: ::std::boxed::Box<dyn $crate::flow::Interact + Send> =
                    ::std::boxed::Box::new($crate::flow::NonInteractive);
                Provider::assemble(
                    client,
                    $crate::provider::ProviderSource::custom(resolver, env),
                    ::std::sync::Arc::new(<$interact>::new(interact)),
                    ::std::sync::Arc::new(::std::time::SystemTime::now),
                )
            }

            fn assemble(
                client: Client,
                source: $crate::provider::ProviderSource<Resolver>,
                interact: ::std::sync::Arc<$interact>,
                clock: $crate::cache::Clock,
            ) -> Self {
                Provider {
                    inner: ::std::sync::Arc::new(Inner {
                        client,
                        source,
                        interact,
                        cache: <$cache>::with_clock(clock),
                    }),
                }
            }

            /// The same provider with another part, and an empty cache. Meant for building:
            /// clones taken before keep their parts and cache.
            fn rebuilt(&self, client: Client, interact: ::std::sync::Arc<$interact>) -> Self {
                Provider::assemble(
                    client,
                    self.inner.source.renewed(),
                    interact,
                    self.inner.cache.clock(),
                )
            }

            /// The same provider using `client` (timeouts, retries) for its calls, with an
            /// empty cache. For a provider made with `from_resolver`, the resolver keeps
            /// whatever client it captured; only [`Provider::client`] changes.
            pub fn with_client(self, client: Client) -> Self {
                self.rebuilt(client, self.inner.interact.clone())
            }

            /// The same provider asking the user (an MFA code) through `interact`, with an
            /// empty cache.
            pub fn with_interact(
                self,
                interact: impl $crate::flow::Interact + Send + 'static,
            ) -> Self {
                let interact: ::std::boxed::Box<dyn $crate::flow::Interact + Send> =
                    ::std::boxed::Box::new(interact);
                self.rebuilt(
                    self.inner.client.clone(),
                    ::std::sync::Arc::new(<$interact>::new(interact)),
                )
            }

            /// Forgets the cached credentials, so the next call resolves again (after the
            /// caller learnt they were revoked, say).
            pub fn invalidate(&self) {
                self.inner.cache.clear();
            }

            /// The HTTP client the provider was built with.
            pub fn client(&self) -> &Client {
                &self.inner.client
            }
        }
    };
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
        assert!(matches!(flow.next_step(SystemTime::now()), Step::Read(_)));
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
