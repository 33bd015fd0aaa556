//! `Error::LoginNeeded` carries which login fixes it; `Display` words it as the command to run.

use awscred_core::{Error, LoginHint};

#[test]
fn display_names_the_command_from_the_structured_fields() {
    let cases = [
        (
            LoginHint {
                sso_session: Some("dev".into()),
                profile: Some("app".into()),
                console_login: None,
            },
            "awscred login --sso-session dev",
        ),
        (
            LoginHint::sso_session("dev"),
            "awscred login --sso-session dev",
        ),
        (
            LoginHint::profile("legacy"),
            "awscred login --profile legacy",
        ),
        (LoginHint::default(), "awscred login"),
        (
            LoginHint::console_login("console"),
            "awscred login --login-session console",
        ),
    ];
    for (hint, command) in cases {
        let e = Error::login_needed("the SSO token has expired", hint.clone());
        assert_eq!(hint.command(), command);
        assert_eq!(e.login_command().as_deref(), Some(command));
        assert_eq!(
            e.to_string(),
            format!("the SSO token has expired; run `{command}`")
        );
        match e {
            Error::LoginNeeded {
                reason,
                sso_session,
                profile,
                console_login,
            } => {
                assert_eq!(reason, "the SSO token has expired");
                assert_eq!(sso_session, hint.sso_session);
                assert_eq!(profile, hint.profile);
                assert_eq!(console_login, hint.console_login);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(Error::Config("x".into()).login_command(), None);
}
