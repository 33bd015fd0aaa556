//! The blocking driver end to end, over real HTTP on 127.0.0.1, each test on a fresh emulator
//! with its own home directory. Every test feeds its errors and `Debug` output to the secrets
//! audit of `common`, checked when the test's `World` is dropped.

#[path = "../common/mod.rs"]
mod common;

mod faults;
#[cfg(feature = "login-session")]
mod login_session;
#[cfg(not(feature = "login-session"))]
mod login_session_unavailable;
mod network;
mod profiles;
mod provider;
mod refresh;
mod retry_settings;
mod servers;
mod tools;
