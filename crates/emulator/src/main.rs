//! `awscred-emulator [--port N] [--auto-approve] [--tls --ca-out PATH]`: serves the emulator
//! until killed. With `--tls` it serves HTTPS with a certificate signed by a CA generated at
//! start, whose PEM certificate `--ca-out` writes (point `AWS_CA_BUNDLE` at it).

use std::io::Write;

use awscred_emulator::{Emulator, EmulatorConfig};

const USAGE: &str = "usage: awscred-emulator [--port N] [--auto-approve] [--tls --ca-out PATH]";

fn main() {
    let mut config = EmulatorConfig::demo();
    let mut tls = false;
    let mut ca_out: Option<std::path::PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse::<u16>().ok()) {
                Some(p) => config.port = p,
                None => fail("--port needs a number between 0 and 65535"),
            },
            "--auto-approve" => config.auto_approve = true,
            "--tls" => tls = true,
            "--ca-out" => match args.next() {
                Some(path) if !path.is_empty() => ca_out = Some(path.into()),
                _ => fail("--ca-out needs the path of the file to write the CA certificate to"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    if ca_out.is_some() && !tls {
        fail("--ca-out goes with --tls");
    }
    let started = if tls {
        start_tls(config)
    } else {
        Emulator::start(config)
    };
    let emulator = match started {
        Ok(e) => e,
        Err(e) => fail(&format!("cannot listen: {e}")),
    };
    // The CA file is complete before the first line announces the server.
    if let Some(path) = &ca_out
        && let Err(e) = emulator.write_ca(path)
    {
        fail(&format!(
            "cannot write the CA certificate to {}: {e}",
            path.display()
        ));
    }
    println!("listening on {}", emulator.url());
    if let Some(path) = &ca_out {
        println!("CA certificate written to {}", path.display());
    }
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}

#[cfg(feature = "tls")]
fn start_tls(config: awscred_emulator::EmulatorConfig) -> std::io::Result<Emulator> {
    Emulator::start_tls(config)
}

#[cfg(not(feature = "tls"))]
fn start_tls(_: awscred_emulator::EmulatorConfig) -> std::io::Result<Emulator> {
    fail("--tls needs the emulator built with its `tls` feature (the default)")
}

fn fail(message: &str) -> ! {
    eprintln!("awscred-emulator: {message}\n{USAGE}");
    std::process::exit(2);
}
