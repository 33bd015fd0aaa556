//! The person at the terminal: login prompts, the browser, the progress line, the MFA code.

use std::io::{BufRead, IsTerminal, Write};

use awscred_core::Error;
use awscred_core::flow::Prompt;
use awscred_core::login::check_browser_url;
use awscred_core::printable::printable;
use awscred_ureq::Interact;

/// Talks to the user on stderr (stdout is for credentials).
#[derive(Debug)]
pub struct Terminal {
    /// Open the browser for login URLs.
    pub open_browser: bool,
    progress_shown: bool,
    dots: usize,
}

impl Terminal {
    /// A terminal that opens the browser unless told not to.
    pub fn new(open_browser: bool) -> Self {
        Terminal {
            open_browser,
            progress_shown: false,
            dots: 0,
        }
    }

    fn end_progress(&mut self) {
        if self.progress_shown {
            eprintln!();
            self.progress_shown = false;
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.end_progress();
    }
}

/// The longest URL shown (a real one is well under 1 KiB).
const URL_CHARS: usize = 2048;
/// The longest user code shown (IAM Identity Center's are 9 characters, `ABCD-EFGH`).
const CODE_CHARS: usize = 64;

/// What the device-code prompt prints. Every value comes from the service, so each is shown
/// without control or invisible characters (an escape sequence in a user code could rewrite
/// the terminal), and cut short.
fn device_code_message(
    open_browser: bool,
    verification_uri: &str,
    user_code: &str,
    verification_uri_complete: &str,
) -> String {
    let uri = printable(verification_uri, URL_CHARS);
    let code = printable(user_code, CODE_CHARS);
    if open_browser {
        format!(
            "Attempting to automatically open the SSO authorization page in your default browser.\n\
             If the browser does not open or you wish to use a different device to authorize this request, \
             open the following URL:\n\n{uri}\n\nThen enter the code:\n\n{code}"
        )
    } else {
        let complete = printable(verification_uri_complete, URL_CHARS);
        format!(
            "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{uri}\n\n\
             Then enter the code:\n\n{code}\n\n\
             Alternatively, you may visit the following URL which will autofill the code upon loading:\n\
             {complete}"
        )
    }
}

impl Interact for Terminal {
    fn show(&mut self, prompt: &Prompt) {
        match prompt {
            Prompt::DeviceCode {
                verification_uri,
                user_code,
                verification_uri_complete,
            } => {
                eprintln!(
                    "{}",
                    device_code_message(
                        self.open_browser,
                        verification_uri,
                        user_code,
                        verification_uri_complete
                    )
                );
                if self.open_browser {
                    open_in_browser(verification_uri_complete);
                }
            }
            Prompt::Authorize { url } => {
                let shown = printable(url, URL_CHARS);
                if self.open_browser {
                    eprintln!(
                        "Attempting to open your default browser.\nIf the browser does not open, open the following URL:\n\n{shown}\n"
                    );
                    open_in_browser(url);
                } else {
                    eprintln!(
                        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{shown}\n"
                    );
                }
            }
            Prompt::Polling => {
                if std::io::stderr().is_terminal() {
                    self.dots = (self.dots % 3) + 1;
                    eprint!(
                        "\rWaiting for authorization in the browser{:<3}",
                        ".".repeat(self.dots)
                    );
                    let _ = std::io::stderr().flush();
                    self.progress_shown = true;
                }
            }
        }
    }

    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        self.end_progress();
        eprint!("Enter MFA code for {serial}: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::InvalidInput(format!("could not read the MFA code: {e}")))?;
        let code = line.trim().to_string();
        if code.is_empty() {
            return Err(Error::InvalidInput(format!(
                "no MFA code was entered for {serial}"
            )));
        }
        Ok(code)
    }
}

/// Opens `url` in the user's browser, quietly; the URL is printed anyway. A URL that is not
/// `https://` (or `http://` to this machine) is not opened: the opener would as readily open a
/// local file or another program's URL scheme.
fn open_in_browser(url: &str) {
    if let Err(reason) = check_browser_url(url) {
        eprintln!(
            "Not opening {} in the browser: {reason}.",
            printable(url, URL_CHARS)
        );
        return;
    }
    if std::env::var_os("AWSCRED_NO_BROWSER").is_some() {
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_code_prompt_prints_no_control_characters() {
        for open in [true, false] {
            let text = device_code_message(
                open,
                "https://device.example/\x1b]52;c;cm0gLXJmIH4=\x07",
                "\x1b[2J\x1b[HABCD-EFGH\u{202e}",
                "file:///etc/passwd\r\x1b[1A",
            );
            assert!(
                text.chars()
                    .all(|c| c == '\n' || awscred_core::printable::is_printable(c)),
                "{text:?}"
            );
            assert!(text.contains("[2J[HABCD-EFGH"), "{text}");
        }
        let long = "A".repeat(10_000);
        let text = device_code_message(false, &long, &long, &long);
        assert!(text.len() < 2 * URL_CHARS + CODE_CHARS + 1000);
    }
}
