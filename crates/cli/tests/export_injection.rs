//! Credentials a shell would run are never printed in a shell format: a `credential_process`
//! (standing in for a planted cache entry or a hostile service) returns a secret or token with
//! shell metacharacters, and `awscred credentials --format F` refuses every line format with a
//! non-zero exit, nothing on stdout, and an error naming the field but never the value.

mod common;

use common::*;

const SHELL_FORMATS: [&str; 5] = ["env", "env-no-export", "fish", "powershell", "windows-cmd"];

/// A home whose profile `planted` runs `cat payload.json` as its `credential_process`.
fn planted_home() -> (Home, std::path::PathBuf) {
    let probe = Home::new("");
    let payload = probe.path().join("payload.json");
    let config = format!(
        "[profile planted]\ncredential_process = cat {}\n",
        payload.display()
    );
    std::fs::write(probe.config_path(), config).expect("~/.aws/config");
    (probe, payload)
}

fn plant(payload: &std::path::Path, secret: &str, token: &str) {
    let doc = serde_json::json!({
        "Version": 1,
        "AccessKeyId": "ASIAPLANTEDEXAMPLE01",
        "SecretAccessKey": secret,
        "SessionToken": token,
        "Expiration": "2099-01-01T00:00:00Z",
    });
    std::fs::write(payload, doc.to_string()).expect("the payload");
}

#[test]
fn hostile_values_are_refused_in_every_shell_format() {
    let (home, payload) = planted_home();
    let marker = home.path().join("PWNED");
    let hostile = [
        format!("$(touch {})", marker.display()),
        format!("`touch {}`", marker.display()),
        format!("x\"; touch {}; echo \"", marker.display()),
        format!("x'; touch {}; echo '", marker.display()),
        format!("x\ntouch {}", marker.display()),
        format!("x;touch {}", marker.display()),
    ];
    let good_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let good_token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==";
    for value in &hostile {
        for (secret, token, variable) in [
            (value.as_str(), good_token, "AWS_SECRET_ACCESS_KEY"),
            (good_secret, value.as_str(), "AWS_SESSION_TOKEN"),
        ] {
            plant(&payload, secret, token);
            for format in SHELL_FORMATS {
                let r = run(awscred(
                    &home,
                    "http://127.0.0.1:1",
                    &["credentials", "--profile", "planted", "--format", format],
                ));
                r.expect_code(3);
                assert!(r.stdout.is_empty(), "{format}: printed {:?}", r.stdout);
                assert!(
                    r.stderr.contains(variable) && r.stderr.contains(format),
                    "{format}: the error names the field and format: {}",
                    r.stderr
                );
                assert!(
                    !r.stderr.contains(value.as_str()),
                    "{format}: the error shows the value: {}",
                    r.stderr
                );
                assert!(!r.stderr.contains(good_secret) && !r.stderr.contains(good_token));
            }
            // The escaped JSON of `process` carries the value as it is.
            let r = run(awscred(
                &home,
                "http://127.0.0.1:1",
                &["credentials", "--profile", "planted", "--format", "process"],
            ));
            r.ok();
            let printed: serde_json::Value =
                serde_json::from_str(&r.stdout).expect("process output is JSON");
            let key = if variable == "AWS_SESSION_TOKEN" {
                "SessionToken"
            } else {
                "SecretAccessKey"
            };
            assert_eq!(printed[key], value.as_str());
        }
    }
    assert!(!marker.exists(), "nothing ran");
}

#[test]
fn real_looking_values_print_in_every_shell_format() {
    let (home, payload) = planted_home();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==";
    plant(&payload, secret, token);
    for format in SHELL_FORMATS {
        let r = run(awscred(
            &home,
            "http://127.0.0.1:1",
            &["credentials", "--profile", "planted", "--format", format],
        ));
        r.ok();
        assert!(
            r.stdout.contains(secret) && r.stdout.contains(token),
            "{format}"
        );
    }
    // And a POSIX shell that evaluates the `env` output gets exactly the values back.
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "planted", "--format", "env"],
    ));
    let script = format!(
        "{}\nprintf '%s\\n%s\\n' \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\"",
        r.stdout
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env_clear()
        .output()
        .expect("sh runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{secret}\n{token}\n")
    );
}

#[test]
fn a_planted_cli_cache_entry_is_refused_too() {
    let home = Home::new(CONFIG);
    std::fs::create_dir_all(home.cli_cache()).expect("~/.aws/cli/cache");
    let key = awscred_core::cli_cache::sso_cache_key(
        "111122223333",
        "ReadOnlyAccess",
        awscred_core::cli_cache::SsoKeyPart::SessionName("S"),
    );
    let marker = home.path().join("PWNED");
    let planted = awscred_core::Credentials::new(
        "ASIAPLANTEDEXAMPLE02",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Some(format!("IQoJ$(touch {})", marker.display())),
        awscred_core::time::from_epoch_secs(4_070_908_800),
    );
    let entry = awscred_core::cli_cache::sso_entry(&planted).expect("an entry");
    std::fs::write(
        home.cli_cache()
            .join(awscred_core::cli_cache::cache_file_name(&key)),
        entry,
    )
    .expect("the planted entry");
    for format in SHELL_FORMATS {
        // The endpoint is unreachable: only the planted entry can answer.
        let r = run(awscred(
            &home,
            "http://127.0.0.1:1",
            &["credentials", "--profile", "sso", "--format", format],
        ));
        r.expect_code(3);
        assert!(r.stdout.is_empty(), "{format}: printed {:?}", r.stdout);
        assert!(r.stderr.contains("AWS_SESSION_TOKEN"), "{}", r.stderr);
        assert!(!r.stderr.contains("touch"), "{}", r.stderr);
    }
    // The same entry is served as escaped JSON, so it really was the one answering.
    let r = run(awscred(
        &home,
        "http://127.0.0.1:1",
        &["credentials", "--profile", "sso", "--format", "process"],
    ));
    r.ok();
    assert!(r.stdout.contains("ASIAPLANTEDEXAMPLE02"), "{}", r.stdout);
    assert!(!marker.exists());
}
