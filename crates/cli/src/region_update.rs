//! After a login through a vanity start URL whose portal named another region than
//! `sso_region` (or none was set), the AWS CLI writes the region into the config and says so;
//! awscred does the same, so that later commands (which read `sso_region`) use it.

use awscred_core::Error;
use awscred_core::config::{Env, LoginTarget};
use awscred_ureq::load_config;

/// Sets `sso_region = region` in the section that holds the login's `sso_start_url`: the
/// existing line is replaced, else a line is added under `sso_start_url`.
pub fn record(env: &Env, target: LoginTarget<'_>, region: &str) -> Result<(), Error> {
    let (paths, set) = load_config(env)?;
    let (section, label) = match target {
        LoginTarget::SsoSession(name) => (set.sso_session(name), format!("[sso-session {name}]")),
        LoginTarget::Profile(name) => {
            let p = set.profile(name);
            match p.and_then(|p| p.value("sso_session")) {
                Some(s) => (set.sso_session(s), format!("[sso-session {s}]")),
                None => (p, format!("[profile {name}]")),
            }
        }
    };
    let Some(section) = section else {
        return Ok(());
    };
    let Some(start) = section.origin("sso_start_url") else {
        return Ok(());
    };
    let existing = section
        .origin("sso_region")
        .filter(|o| o.file == start.file);
    let file = std::path::PathBuf::from(&start.file);
    let text = std::fs::read_to_string(&file).map_err(|e| Error::Io {
        path: start.file.clone(),
        message: e.to_string(),
    })?;
    let updated = with_line(
        &text,
        start.line,
        existing.map(|o| o.line),
        &format!("sso_region = {region}"),
    );
    awscred_files::write_private_atomic(&file, updated.as_bytes()).map_err(|e| Error::Io {
        path: start.file.clone(),
        message: e.to_string(),
    })?;
    eprintln!(
        "SSO region updated to {region} in {label} of {}",
        paths.config.display()
    );
    Ok(())
}

/// `text` with line `replace` (1-based) replaced by `line`, or `line` inserted after line
/// `after` when there is nothing to replace. Line endings are kept.
pub(crate) fn with_line(text: &str, after: usize, replace: Option<usize>, line: &str) -> String {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() + line.len() + 2);
    let lines = text.split_inclusive('\n').enumerate();
    let mut done = false;
    for (i, l) in lines {
        let n = i + 1;
        if Some(n) == replace {
            out.push_str(line);
            out.push_str(newline);
            done = true;
            continue;
        }
        out.push_str(l);
        if replace.is_none() && n == after {
            if !l.ends_with('\n') {
                out.push_str(newline);
            }
            out.push_str(line);
            out.push_str(newline);
            done = true;
        }
    }
    if !done {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(newline);
        }
        out.push_str(line);
        out.push_str(newline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_line;

    #[test]
    fn inserts_after_or_replaces() {
        let text = "[sso-session v]\nsso_start_url = https://x\n\n[profile p]\n";
        assert_eq!(
            with_line(text, 2, None, "sso_region = eu-west-1"),
            "[sso-session v]\nsso_start_url = https://x\nsso_region = eu-west-1\n\n[profile p]\n"
        );
        let text = "[s]\r\nsso_region = us-east-1\r\nsso_start_url = https://x";
        assert_eq!(
            with_line(text, 3, Some(2), "sso_region = eu-west-1"),
            "[s]\r\nsso_region = eu-west-1\r\nsso_start_url = https://x"
        );
        assert_eq!(with_line("a = b", 1, None, "c = d"), "a = b\nc = d\n");
    }
}
