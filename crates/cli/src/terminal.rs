//! The person at the terminal: login prompts, the browser, the progress line, the MFA code.

use awscred_core::Error;
use awscred_core::flow::Prompt;
use awscred_core::login::check_browser_url;
use awscred_core::printable::printable;
use awscred_ureq::Interact;

use crate::tty::Console;

/// Talks to the user on the controlling terminal (stdout is for credentials, and stderr may be
/// captured by whoever runs us, as `credential_process` callers do); stderr without one.
#[derive(Debug)]
pub struct Terminal {
    /// Open the browser for login URLs.
    pub open_browser: bool,
    /// The profile being resolved, for the message when an MFA code cannot be asked for.
    pub profile: Option<String>,
    console: Console,
    /// Whether a browser was started for this login (the progress line says where to approve).
    browser_opened: bool,
    progress_shown: bool,
    dots: usize,
}

impl Terminal {
    /// A terminal that opens the browser unless told not to (`AWSCRED_NO_BROWSER` also says
    /// not to).
    pub fn new(open_browser: bool) -> Self {
        Terminal {
            open_browser: open_browser && !crate::browser::no_browser_env(),
            profile: None,
            console: Console::open(),
            browser_opened: false,
            progress_shown: false,
            dots: 0,
        }
    }

    /// Says `line` (one line) on the terminal.
    pub fn say(&mut self, line: &str) {
        self.end_progress();
        self.console.line(line);
    }

    fn end_progress(&mut self) {
        if self.progress_shown {
            self.console.line("");
            self.progress_shown = false;
        }
    }

    /// Opens `url` and remembers whether a browser was started.
    fn open(&mut self, url: &str) {
        self.browser_opened = open_in_browser(url, &mut self.console);
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
                let text = device_code_message(
                    self.open_browser,
                    verification_uri,
                    user_code,
                    verification_uri_complete,
                );
                self.console.line(&text);
                if self.open_browser {
                    self.open(verification_uri_complete);
                }
            }
            Prompt::Authorize { url } => {
                let shown = printable(url, URL_CHARS);
                if self.open_browser {
                    self.console.line(&format!(
                        "Attempting to open your default browser.\nIf the browser does not open, open the following URL:\n\n{shown}\n"
                    ));
                    self.open(url);
                } else {
                    self.console.line(&format!(
                        "Browser will not be automatically opened.\nPlease visit the following URL:\n\n{shown}\n"
                    ));
                }
            }
            Prompt::Polling => {
                if self.console.is_terminal() {
                    self.dots = (self.dots % 3) + 1;
                    // Only say "in the browser" when one was opened here.
                    let waiting = if self.browser_opened {
                        "Waiting for authorization in the browser"
                    } else {
                        "Waiting for authorization (approve it at the URL above, on any device)"
                    };
                    self.console
                        .write(&format!("\r{waiting}{:<3}", ".".repeat(self.dots)));
                    self.progress_shown = true;
                }
            }
        }
    }

    fn token_code(&mut self, serial: &str) -> Result<String, Error> {
        self.end_progress();
        let serial_shown = printable(serial, URL_CHARS);
        if !self.console.can_ask() {
            let profile = self.profile.as_deref().unwrap_or("PROFILE");
            return Err(Error::InvalidInput(format!(
                "the profile needs an MFA code for {serial_shown} and there is no terminal to ask on. \
                 Run `awscred credentials --profile {profile}` once in a terminal: the credentials are \
                 cached (~/.aws/cli/cache) and used without a prompt until they expire; or use a \
                 profile that needs no MFA code"
            )));
        }
        self.console
            .write(&format!("Enter MFA code for {serial_shown}: "));
        let line = self
            .console
            .read_line()
            .map_err(|e| Error::InvalidInput(format!("could not read the MFA code: {e}")))?
            .unwrap_or_default();
        let code = line.trim().to_string();
        if code.is_empty() {
            return Err(Error::InvalidInput(format!(
                "no MFA code was entered for {serial_shown}"
            )));
        }
        Ok(code)
    }

    fn verification_code(&mut self, url: &str) -> Result<String, Error> {
        self.end_progress();
        if !self.console.can_ask() {
            return Err(Error::Login(
                "a cross-device login (--remote) needs the verification code typed at a \
                 terminal, and there is none here; run `awscred login --login-session --remote` \
                 in an interactive terminal"
                    .into(),
            ));
        }
        // The browser is never opened: the point of --remote is signing in on another device.
        self.console.line(&format!(
            "Open the following URL in a browser on any device and sign in:\n\n{}\n",
            printable(url, URL_CHARS)
        ));
        self.console
            .write("Enter the verification code the browser shows: ");
        let line = self
            .console
            .read_line()
            .map_err(|e| Error::Login(format!("could not read the verification code: {e}")))?
            .unwrap_or_default();
        let code = line.trim().to_string();
        if code.is_empty() {
            return Err(Error::Login(
                "no verification code was entered; run the login again and paste the code the \
                 browser shows"
                    .into(),
            ));
        }
        Ok(code)
    }
}

/// Opens `url` in the user's browser (see [`open_in_browser`]), for commands other than login;
/// returns whether a browser was started.
pub(crate) fn open_url(url: &str) -> bool {
    open_in_browser(url, &mut Console::open())
}

/// Opens `url` in the user's browser, quietly; the URL is printed anyway. A URL that is not
/// `https://` (or `http://` to this machine) is not opened: the opener would as readily open a
/// local file or another program's URL scheme. Returns whether a browser was started.
fn open_in_browser(url: &str, console: &mut Console) -> bool {
    if let Err(reason) = check_browser_url(url) {
        console.line(&format!(
            "Not opening {} in the browser: {reason}.",
            printable(url, URL_CHARS)
        ));
        return false;
    }
    if crate::browser::no_browser_env() {
        return false;
    }
    let place = crate::browser::here();
    let browser = std::env::var("BROWSER").ok();
    let command = crate::browser::opener(
        &place,
        browser.as_deref(),
        crate::browser::on_path("wslview"),
        url,
    );
    let Some((program, args)) = command.split_first() else {
        return false;
    };
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
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
