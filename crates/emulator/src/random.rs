//! Unpredictable identifiers and secrets, without a random-number dependency.
//!
//! `RandomState` is seeded from the OS by std; hashing a counter with it and stretching through
//! SHA-256 gives values no test can guess, which is all an emulator needs.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use sha2::{Digest, Sha256};

pub(crate) struct Rng {
    seed: RandomState,
    counter: u64,
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// Letters a person can read back without confusing them (no I, O, 0, 1).
const USER_CODE: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

impl Rng {
    pub(crate) fn new() -> Self {
        Rng {
            seed: RandomState::new(),
            counter: 0,
        }
    }

    fn block(&mut self) -> [u8; 32] {
        self.counter = self.counter.wrapping_add(1);
        let mut h = self.seed.build_hasher();
        h.write_u64(self.counter);
        let a = h.finish();
        h.write_u64(a);
        let b = h.finish();
        let mut d = Sha256::new();
        d.update(a.to_le_bytes());
        d.update(b.to_le_bytes());
        d.update(self.counter.to_le_bytes());
        d.finalize().into()
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        let mut out = String::with_capacity(len);
        while out.len() < len {
            for byte in self.block() {
                if out.len() == len {
                    break;
                }
                // alphabet lengths are ≤ 64, so the modulo bias is irrelevant for an emulator.
                let i = usize::from(byte) % alphabet.len();
                out.push(char::from(alphabet.get(i).copied().unwrap_or(b'A')));
            }
        }
        out
    }

    pub(crate) fn alnum(&mut self, len: usize) -> String {
        self.pick(ALNUM, len)
    }

    pub(crate) fn secret(&mut self, len: usize) -> String {
        self.pick(SECRET, len)
    }

    /// `ASIA…` access key ids look like the real ones: 20 characters of base32.
    pub(crate) fn access_key_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.pick(UPPER32, 20 - prefix.len()))
    }

    pub(crate) fn user_code(&mut self) -> String {
        let s = self.pick(USER_CODE, 8);
        format!("{}-{}", &s[..4], &s[4..])
    }

    pub(crate) fn uuid(&mut self) -> String {
        let h = hex::encode(self.block());
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

/// Stable pseudo-ids derived from a name (role ids), so the same role always gets the same id.
pub(crate) fn stable_id(prefix: &str, name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut out = String::from(prefix);
    for byte in digest.iter().take(17) {
        out.push(char::from(
            UPPER32
                .get(usize::from(*byte) % UPPER32.len())
                .copied()
                .unwrap_or(b'A'),
        ));
    }
    out
}
