//! What a driver's credentials provider needs from the core besides the cache policy
//! ([`crate::cache`]): the options it is built from ([`Builder`]), the profile it resolves
//! ([`ProfileSource`]) and that profile's region ([`crate::region`]).
//!
//! Both drivers' `Provider`s hold a [`ProfileSource`], run the flows it makes with their own
//! flow loop, and hand each finished resolution back to it, so that what is resolved and what
//! is remembered between resolutions is decided here once.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use crate::Error;
use crate::cache::Clock;
use crate::config::Env;
use crate::flow::Interact;
use crate::region::RegionFlow;
use crate::resolve::{ResolveFlow, ResolveRequest, Resolved};

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
/// let flow = source.resolve_flow(); // run it with a driver, then `source.record(&flow, result.as_ref().ok())`
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
    /// next one; call it whether the flow succeeded (`resolved`) or not (a failed SSO token
    /// refresh counts too, as in botocore): the SSO token refresh attempt, and what the
    /// instance metadata source keeps (its session token, the last good credentials).
    pub fn record(&mut self, flow: &ResolveFlow, resolved: Option<&Resolved>) {
        if let Some(at) = flow.refresh_attempted_at() {
            self.request.last_refresh_attempt = Some(at);
        }
        if let Some(resolved) = resolved {
            self.request.metadata = resolved.metadata.clone();
        }
    }

    /// A flow finding the profile's region ([`crate::region::profile_region`]).
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
    pub fn record(&self, flow: &ResolveFlow, resolved: Option<&Resolved>) {
        self.lock().record(flow, resolved);
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

    fn env() -> Env {
        Env::from_pairs([("HOME", "/h"), ("AWS_PROFILE", "dev")])
    }

    #[test]
    fn a_custom_source_has_no_profile_to_resolve() {
        let source = ProviderSource::custom((), env());
        let e = source.resolve_flow().unwrap_err();
        assert!(e.to_string().contains("from_resolver"), "{e}");
        assert_eq!(format!("{source:?}"), "custom resolver");
        assert!(source.resolver().is_some());
    }

    #[test]
    fn the_first_region_kept_wins_and_renewal_forgets_it() {
        let source = ProviderSource::<()>::profile(ProfileSource::new(env(), None));
        assert_eq!(source.known_region(), None);
        assert_eq!(
            source.remember_region(Some("eu-west-1".into())).as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(source.remember_region(None).as_deref(), Some("eu-west-1"));
        assert_eq!(source.known_region(), Some(Some("eu-west-1".into())));
        assert_eq!(source.renewed().known_region(), None);
        assert!(source.resolve_flow().is_ok());
    }

    #[test]
    fn options_name_the_source_they_describe() {
        let mut options: ProviderOptions<()> = ProviderOptions {
            env: None,
            profile: Some("ops".into()),
            use_cli_cache: false,
            client: None,
            interact: None,
            clock: None,
        };
        let source = options.source(env);
        assert_eq!(source.profile(), Some("ops"));
        assert!(!source.uses_cli_cache());
        assert_eq!(source.env(), &env());
    }
}
