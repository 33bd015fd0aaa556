//! `awscred-emulator [--port N] [--auto-approve]`: serves the emulator until killed.

use std::io::Write;

use awscred_emulator::{Emulator, EmulatorConfig};

const USAGE: &str = "usage: awscred-emulator [--port N] [--auto-approve]";

fn main() {
    let mut config = EmulatorConfig::demo();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse::<u16>().ok()) {
                Some(p) => config.port = p,
                None => fail("--port needs a number between 0 and 65535"),
            },
            "--auto-approve" => config.auto_approve = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let emulator = match Emulator::start(config) {
        Ok(e) => e,
        Err(e) => fail(&format!("cannot listen: {e}")),
    };
    println!("listening on {}", emulator.url());
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

fn fail(message: &str) -> ! {
    eprintln!("awscred-emulator: {message}\n{USAGE}");
    std::process::exit(2);
}
