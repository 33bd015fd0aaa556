//! The controlling terminal, `/dev/tty`: where prompts and progress go, so that they reach the
//! person even when stderr is captured (`credential_process`, whose caller reads our stderr)
//! and stdin is a pipe (`echo … | awscred`, `$(…)`). Without one, stderr (and stdin) are used.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};

/// Where to talk to the user.
#[derive(Debug)]
pub struct Console {
    /// `/dev/tty`, open for reading and writing, when this process has a controlling terminal.
    tty: Option<File>,
}

impl Console {
    /// The controlling terminal when there is one, else stderr.
    pub fn open() -> Console {
        let tty = if cfg!(unix) {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .ok()
        } else {
            None
        };
        Console { tty }
    }

    /// Whether what is written is seen by a person at a terminal.
    pub fn is_terminal(&self) -> bool {
        self.tty.is_some() || io::stderr().is_terminal()
    }

    /// Whether a line can be read from a person: the terminal, or a stdin that is one.
    pub fn can_ask(&self) -> bool {
        self.tty.is_some() || io::stdin().is_terminal()
    }

    /// Writes `text` as is (no newline added) and flushes it.
    pub fn write(&mut self, text: &str) {
        let written = match &mut self.tty {
            Some(tty) => tty.write_all(text.as_bytes()).and_then(|()| tty.flush()),
            None => Err(io::Error::other("no terminal")),
        };
        if written.is_err() {
            let mut err = io::stderr().lock();
            let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
        }
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: &str) {
        self.write(&format!("{text}\n"));
    }

    /// Reads one line typed by the user: from the terminal, else from stdin when it is one.
    /// `None` when nobody can answer.
    pub fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        match &self.tty {
            Some(tty) => {
                // One byte at a time through a small buffer: the line is all we take.
                BufReader::with_capacity(1, tty.try_clone()?).read_line(&mut line)?;
            }
            None if io::stdin().is_terminal() => {
                io::stdin().lock().read_line(&mut line)?;
            }
            None => return Ok(None),
        }
        Ok(Some(line))
    }
}
