//! The text after each subcommand's `--help`: examples, the environment it reads, exit codes.

/// The exit codes every command shares (see [`crate::exit`]).
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  anything else (a local file could not be written, …)
  2  the command line is wrong
  3  the configuration or an input is wrong (the message names the file and line, or the variable)
  4  the SSO session is missing or expired: run the `awscred login` command the message names
  5  the service refused the request
  6  the service could not be reached"
    };
}

/// The variables that pick the files, the profile and the endpoints.
macro_rules! common_env {
    () => {
        "  AWS_PROFILE, AWS_DEFAULT_PROFILE   the profile when --profile is not given (else `default`)
  AWS_CONFIG_FILE                     the config file (default ~/.aws/config)
  AWS_SHARED_CREDENTIALS_FILE         the credentials file (default ~/.aws/credentials)
  AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_STS
                                      endpoint overrides (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them)"
    };
}

/// `awscred login`.
pub const LOGIN: &str = concat!(
    "Examples:
  awscred login --sso-session my-sso       log in to [sso-session my-sso]
  awscred login --profile dev              log in to the session dev uses (a role profile: its source's)
  awscred login --use-device-code          on a machine without a browser
  awscred login --no-browser               print the URL instead of opening a browser
  awscred login --login-session dev        sign in with console credentials (like `aws login`)
  awscred login --login-session dev --remote
                                           the same, signing in on another device: open the
                                           printed URL anywhere, then type the verification
                                           code the browser shows (like `aws login --remote`)

A minimal ~/.aws/config:
  [sso-session my-sso]
  sso_start_url = https://d-1234567890.awsapps.com/start
  sso_region = us-east-1

  [profile dev]
  sso_session = my-sso
  sso_account_id = 111122223333
  sso_role_name = ReadOnlyAccess

Over SSH (SSH_CONNECTION, SSH_CLIENT or SSH_TTY set) or with no display (Linux without
DISPLAY and WAYLAND_DISPLAY), no browser can open and the browser login's redirect to
127.0.0.1 could not reach this machine: the device code is used, and a line says so. Under WSL
the Windows browser opens. Prompts and progress go to the terminal (/dev/tty), so they are
seen under credential_process, $(…) and pipes.

A start URL on your own domain is followed to the AWS access portal; sso_region may then be
left out when the portal's host names it (it is written into the config after the login).

Environment:
",
    common_env!(),
    "
  AWSCRED_NO_BROWSER                  set (to anything): never open a browser, like --no-browser
  BROWSER                             the browser to open (`%s` is the URL); set, it also counts as
                                      a display
  SSH_CONNECTION, SSH_CLIENT, SSH_TTY, DISPLAY, WAYLAND_DISPLAY, WSL_DISTRO_NAME
                                      where a browser can open (see above)

",
    exit_codes!()
);

/// `awscred logout`.
pub const LOGOUT: &str = concat!(
    "Examples:
  awscred logout                           log out of every session with a cached token
  awscred logout --sso-session my-sso      log out of one

It prints the sessions logged out and the files removed. It checks that it may remove the
cached files before it calls the service.

Environment:
",
    common_env!(),
    "

",
    exit_codes!()
);

/// `awscred credentials`.
pub const CREDENTIALS: &str = concat!(
    "Examples:
  awscred credentials --profile dev                       JSON for credential_process
  eval \"$(awscred credentials --profile dev --format env)\"
  awscred credentials --profile dev --login               log in first if the session expired

In ~/.aws/config, for any tool that reads it:
  [profile dev-process]
  credential_process = awscred credentials --profile dev

Environment:
",
    common_env!(),
    "
  AWS_REGION, AWS_DEFAULT_REGION      the region of STS calls (else the profile's `region`)

",
    exit_codes!()
);

/// `awscred exec`.
pub const EXEC: &str = concat!(
    "Examples:
  awscred exec --profile dev -- aws s3 ls
  awscred exec --profile deploy --login -- terraform plan

The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION and AWS_REGION; AWS_PROFILE is removed from its environment.
With --server it gets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN
instead, for an endpoint on 127.0.0.1 that refreshes the credentials as they expire and stops
when the command exits (see `awscred serve --help`):
  awscred exec --server --profile dev -- npm run dev

Environment:
",
    common_env!(),
    "
  AWS_REGION, AWS_DEFAULT_REGION      the region of STS calls and the command's AWS_REGION

Exit codes: the command's own, like a shell:
  127  the command was not found
  126  the command could not be run (not executable)
  128+N  the command was killed by signal N
and before the command runs, awscred's own (2 usage, 3 configuration, 4 login needed, 5 service,
6 network).",
);

/// `awscred accounts`.
pub const ACCOUNTS: &str = concat!(
    "Examples:
  awscred accounts --sso-session my-sso
  awscred accounts --profile dev --output json

Environment:
",
    common_env!(),
    "

",
    exit_codes!()
);

/// `awscred profiles`.
pub const PROFILES: &str = concat!(
    "Examples:
  awscred profiles
  awscred profiles --output json | jq '.profiles[].profile'

Environment:
",
    common_env!(),
    "

",
    exit_codes!()
);

/// `awscred status`.
pub const STATUS: &str = concat!(
    "Shows, for every [sso-session] and legacy sso_start_url, whether a token is cached, when it
expires and whether it can refresh; then every cached role credential with its profile and
the time left. Reads only local files: no network call, no login.

Examples:
  awscred status
  awscred status --output json

Environment:
",
    common_env!(),
    "

",
    exit_codes!()
);

/// `awscred serve`.
pub const SERVE: &str = concat!(
    "Examples:
  awscred serve --profile dev                   print the two variables, then serve until Ctrl-C
  awscred serve --profile dev --format env > ~/.awscred-dev.env &    . ~/.awscred-dev.env
  awscred exec --server --profile dev -- terraform apply     the same, for one command

Any AWS SDK and the AWS CLI read credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI (sending
AWS_CONTAINER_AUTHORIZATION_TOKEN), and ask again before they expire: the endpoint refreshes
them through the profile (SSO, roles, …), once for all clients, and keeps serving the current
ones while a refresh fails. It listens on 127.0.0.1 only, answers only its one path, only with
this run's token (new each run), only to a Host of 127.0.0.1, localhost or [::1] and never to a
web page (no CORS). --debug logs each request (never a header). Long-term keys are not served:
use a role or SSO profile. MFA prompts are not possible while serving: get the role's
credentials cached from a terminal first (`awscred credentials --profile P`).

Environment:
",
    common_env!(),
    "

",
    exit_codes!()
);

/// `awscred console`.
pub const CONSOLE: &str = concat!(
    "Examples:
  awscred console --profile dev                         open the console in the browser
  awscred console --profile dev --print                 print the sign-in URL instead
  awscred console --profile deploy --duration 43200 \
      --destination https://console.aws.amazon.com/cloudformation/home

The profile's temporary credentials (SSO, a role, web identity, credential_process with a
session token) are exchanged for a sign-in token at the sign-in federation endpoint of the
profile's partition (aws, aws-cn, aws-us-gov, from its region); the URL made with it signs the
browser in for 15 minutes, so it is printed only when asked (--print) or when no browser can
open. Long-term access keys cannot sign in: use a role profile with source_profile, or an SSO
profile. --duration sets the console session's length, which only role sessions may set.

Environment:
",
    common_env!(),
    "
  AWS_ENDPOINT_URL_SIGNIN             the sign-in federation endpoint's base URL (else
                                      AWS_ENDPOINT_URL; `/federation` is appended)
  AWSCRED_NO_BROWSER                  set (to anything): never open a browser, like --no-browser
  BROWSER                             the browser to open (`%s` is the URL)

",
    exit_codes!()
);

/// `awscred configure populate`.
pub const POPULATE: &str = concat!(
    "Examples:
  awscred configure populate --sso-session my-sso --dry-run     show the change, write nothing
  awscred configure populate --sso-session my-sso --region eu-west-1
  awscred configure populate --sso-session my-sso --template '{account_id}-{role_name}' --prune

Lists every account and role the session may use (log in first) and writes one section each:
  [profile Development.ReadOnlyAccess]
  sso_session = my-sso
  sso_account_id = 111122223333
  sso_role_name = ReadOnlyAccess
  awscred_populated_from = my-sso

The last key marks the section as generated for that session: a later run updates it in
place, and --prune removes it when the role is gone. Nothing else in the file changes: other
sections, comments, blank lines and their order stay byte for byte; the file is replaced
atomically and left readable by you only. Names keep letters, digits and - / . % @ _ : +;
other characters become `-`. A name that a profile you wrote (or another session's) already
has is reported and skipped, never overwritten; the same goes for two roles that get the same
name (add {account_id} to the template).

Environment:
",
    common_env!(),
    "

",
    exit_codes!()
);

/// `awscred completions`.
pub const COMPLETIONS: &str = "Examples:
  awscred completions bash > ~/.local/share/bash-completion/completions/awscred
  awscred completions zsh > \"${fpath[1]}/_awscred\"
  awscred completions fish > ~/.config/fish/completions/awscred.fish

--profile and --sso-session complete the names in your config; `exec -- <TAB>` completes
commands.

Exit codes: 0 success, 2 an unknown shell.";

/// `awscred demo`.
#[cfg(feature = "demo")]
pub const DEMO: &str =
    "Runs a local emulator of IAM Identity Center and STS on 127.0.0.1 and logs in, resolves
profiles and lists accounts against it, in a temporary home that is removed afterwards.

Exit codes: 0 success, 1 the emulator could not start.";

/// What `--format VALUE` prints, for `credentials --help`.
pub fn format(f: awscred_core::ExportFormat) -> &'static str {
    use awscred_core::ExportFormat as E;
    match f {
        E::Process => "JSON for `credential_process` (`{\"Version\": 1, \"AccessKeyId\": …}`)",
        E::Env => "`export AWS_ACCESS_KEY_ID=…` lines for sh, bash and zsh (`eval \"$(…)\"`)",
        E::EnvNoExport => "`AWS_ACCESS_KEY_ID=…` lines without `export` (for .env files)",
        E::Powershell => "`$Env:AWS_ACCESS_KEY_ID=\"…\"` lines for PowerShell",
        E::WindowsCmd => "`set AWS_ACCESS_KEY_ID=…` lines for cmd.exe",
        E::Fish => "`set -gx AWS_ACCESS_KEY_ID \"…\"` lines for fish",
    }
}
