//! The person at the terminal: login prompts, the browser, the progress line, the MFA code.

use std::io::{BufRead, IsTerminal, Write};

use awscred_core::Error;
use awscred_core::flow::Prompt;
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

impl Interact for Terminal {
    fn show(&mut self, prompt: &Prompt) {
        match prompt {
            Prompt::DeviceCode {
                verification_uri,
                user_code,
                verification_uri_complete,
            } => {
                if self.open_browser {
                    eprintln!(
                        "Attempting to automatically open the SSO authorization page in your default browser.\n\
                         If the browser does not open or you wish to use a different device to authorize this request, \
                         open the following URL:\n\n{verification_uri}\n\nThen enter the code:\n\n{user_code}"
                    );
                    open_in_browser(verification_uri_complete);
                } else {
                    eprintln!(
                        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{verification_uri}\n\n\
                         Then enter the code:\n\n{user_code}\n\n\
                         Alternatively, you may visit the following URL which will autofill the code upon loading:\n\
                         {verification_uri_complete}"
                    );
                }
            }
            Prompt::Authorize { url } => {
                if self.open_browser {
                    eprintln!(
                        "Attempting to open your default browser.\nIf the browser does not open, open the following URL:\n\n{url}\n"
                    );
                    open_in_browser(url);
                } else {
                    eprintln!(
                        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{url}\n"
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

/// Opens `url` in the user's browser, quietly; the URL is printed anyway.
fn open_in_browser(url: &str) {
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
