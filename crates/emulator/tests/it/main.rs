//! End-to-end tests of the emulator over real HTTP on 127.0.0.1.

mod async_use;
mod binary;
mod client;
mod faults;
mod metadata;
mod oidc;
mod portal;
mod sts;
#[cfg(feature = "tls")]
mod tls;
