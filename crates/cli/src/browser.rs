//! Where a login's browser can open: here, in Windows (WSL), or nowhere (SSH, no display).
//!
//! Over SSH or without a display, opening a browser cannot work, and the browser login's
//! redirect to 127.0.0.1 would go to the user's own machine, not this one: the device code is
//! the login that works (granted and aws-sso-cli detect the same way: SSH variables, and no
//! DISPLAY/WAYLAND_DISPLAY on Linux).

use std::collections::HashMap;

/// Where this process runs, as far as a browser is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A desktop: the system's opener works.
    Local,
    /// Linux under WSL: the Windows browser opens (`wslview`, else `explorer.exe`).
    Wsl,
    /// No browser can open here; the reason, for the one line that says so.
    Remote(String),
}

/// The place for this environment. `os` is `std::env::consts::OS`; `proc_version` the text of
/// `/proc/version` (WSL kernels name Microsoft there).
pub fn detect(env: &HashMap<String, String>, os: &str, proc_version: Option<&str>) -> Place {
    let set = |name: &str| env.get(name).is_some_and(|v| !v.is_empty());
    // The user named the browser to use here (`BROWSER`, as xdg-open and Python read it): it
    // runs on this machine, so its redirect to 127.0.0.1 arrives here too.
    if set("BROWSER") {
        return Place::Local;
    }
    if let Some(var) = ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]
        .into_iter()
        .find(|v| set(v))
    {
        return Place::Remote(format!("this is an SSH session ({var} is set)"));
    }
    if os != "linux" {
        return Place::Local;
    }
    let wsl = set("WSL_DISTRO_NAME")
        || set("WSL_INTEROP")
        || proc_version.is_some_and(|v| v.to_ascii_lowercase().contains("microsoft"));
    if wsl {
        return Place::Wsl;
    }
    if !set("DISPLAY") && !set("WAYLAND_DISPLAY") {
        return Place::Remote("there is no display (DISPLAY and WAYLAND_DISPLAY are unset)".into());
    }
    Place::Local
}

/// [`detect`] for this process.
pub fn here() -> Place {
    let env: HashMap<String, String> = std::env::vars().collect();
    let version = std::fs::read_to_string("/proc/version").ok();
    detect(&env, std::env::consts::OS, version.as_deref())
}

/// How a login talks to the user's browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginMode {
    /// Use the device code (instead of the browser and a redirect to 127.0.0.1).
    pub device_code: bool,
    /// Open the browser on this machine.
    pub open_browser: bool,
    /// The one line that says why the device code is used, when awscred chose it.
    pub note: Option<String>,
}

/// The login for `place`: what was asked (`--use-device-code`, `--no-browser` or
/// `AWSCRED_NO_BROWSER`), except that where no browser can open the device code is used and
/// no browser is tried.
pub fn login_mode(place: &Place, use_device_code: bool, no_browser: bool) -> LoginMode {
    match place {
        Place::Remote(reason) => LoginMode {
            device_code: true,
            open_browser: false,
            note: (!use_device_code).then(|| {
                format!(
                    "awscred: {reason}, so no browser can open here; using the device code: \
                     open the URL below on any device"
                )
            }),
        },
        Place::Local | Place::Wsl => LoginMode {
            device_code: use_device_code,
            open_browser: !no_browser,
            note: None,
        },
    }
}

/// Whether `AWSCRED_NO_BROWSER` asks never to open a browser.
pub fn no_browser_env() -> bool {
    std::env::var_os("AWSCRED_NO_BROWSER").is_some_and(|v| !v.is_empty())
}

/// The command that opens `url`: `$BROWSER` when set (its first entry; `%s` is the URL, else the
/// URL is appended), `wslview` or `explorer.exe` under WSL, else the system's opener.
pub fn opener(place: &Place, browser: Option<&str>, has_wslview: bool, url: &str) -> Vec<String> {
    if let Some(first) = browser
        .and_then(|b| b.split(':').find(|e| !e.trim().is_empty()))
        .map(str::trim)
    {
        let mut parts: Vec<String> = first.split_whitespace().map(str::to_string).collect();
        if parts.iter().any(|p| p.contains("%s")) {
            for p in &mut parts {
                *p = p.replace("%s", url);
            }
        } else {
            parts.push(url.to_string());
        }
        return parts;
    }
    let program = match place {
        Place::Wsl if has_wslview => "wslview",
        Place::Wsl => "explorer.exe",
        _ if cfg!(target_os = "macos") => "open",
        _ if cfg!(windows) => "explorer",
        _ => "xdg-open",
    };
    vec![program.to_string(), url.to_string()]
}

/// Whether `program` is on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ssh_and_missing_displays_are_remote_wsl_opens_windows() {
        let linux = "Linux version 6.1.0 (gcc)";
        let wsl = "Linux version 5.15.90.1-microsoft-standard-WSL2";
        for (vars, os, version, expect) in [
            (&[("DISPLAY", ":0")][..], "linux", linux, "local"),
            (
                &[("WAYLAND_DISPLAY", "wayland-0")][..],
                "linux",
                linux,
                "local",
            ),
            (&[][..], "linux", linux, "remote"),
            (
                &[("DISPLAY", ":0"), ("SSH_CONNECTION", "a 1 b 22")][..],
                "linux",
                linux,
                "remote",
            ),
            (&[("SSH_TTY", "/dev/pts/1")][..], "macos", "", "remote"),
            (&[][..], "macos", "", "local"),
            (&[][..], "linux", wsl, "wsl"),
            (&[("WSL_DISTRO_NAME", "Ubuntu")][..], "linux", linux, "wsl"),
            (
                &[("WSL_DISTRO_NAME", "Ubuntu"), ("SSH_CLIENT", "a 1 22")][..],
                "linux",
                linux,
                "remote",
            ),
            (
                &[("SSH_TTY", "/dev/pts/1"), ("BROWSER", "w3m")][..],
                "linux",
                linux,
                "local",
            ),
        ] {
            let got = match detect(&env(vars), os, Some(version)) {
                Place::Local => "local",
                Place::Wsl => "wsl",
                Place::Remote(_) => "remote",
            };
            assert_eq!(got, expect, "{vars:?} {os} {version}");
        }
    }

    #[test]
    fn remote_means_device_code_and_no_browser_said_in_one_line() {
        let remote = Place::Remote("this is an SSH session (SSH_TTY is set)".into());
        let m = login_mode(&remote, false, false);
        assert!(m.device_code && !m.open_browser);
        let note = m.note.expect("a note");
        assert!(!note.contains('\n') && note.contains("SSH") && note.contains("device code"));
        assert_eq!(
            login_mode(&remote, true, false).note,
            None,
            "asked for: nothing to explain"
        );
        let m = login_mode(&Place::Local, false, true);
        assert!(!m.device_code && !m.open_browser && m.note.is_none());
        assert!(login_mode(&Place::Wsl, false, false).open_browser);
    }

    #[test]
    fn openers() {
        let url = "https://x.example/a?b=c&d=e";
        assert_eq!(opener(&Place::Wsl, None, true, url), ["wslview", url]);
        assert_eq!(opener(&Place::Wsl, None, false, url), ["explorer.exe", url]);
        assert_eq!(
            opener(&Place::Local, Some("firefox --new-tab"), false, url),
            ["firefox", "--new-tab", url]
        );
        assert_eq!(
            opener(&Place::Local, Some(":w3m %s:lynx"), false, url),
            ["w3m", url]
        );
    }
}
