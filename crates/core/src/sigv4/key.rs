//! The derived signing key and its cache.
//!
//! Deriving the key costs four HMACs; a signature over a prepared key costs one. The cache keeps
//! the HMAC state already keyed with the signing key, so signing skips even the key schedule.

use std::fmt;

use hmac::digest::KeyInit;
use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub(crate) type HmacSha256 = Hmac<Sha256>;

const BLOCK: usize = 64;

/// An HMAC-SHA256 keyed with `key`. HMAC pads short keys with zeros to the block size and hashes
/// long ones first; doing that here keeps keying infallible.
pub(crate) fn mac_for(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else if let Some(dst) = block.get_mut(..key.len()) {
        dst.copy_from_slice(key);
    }
    <HmacSha256 as KeyInit>::new(GenericArray::from_slice(&block))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = mac_for(key);
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The SigV4 signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
/// `day` is the `YYYYMMDD` of the credential scope.
pub fn signing_key(secret: &str, day: &str, region: &str, service: &str) -> [u8; 32] {
    let mut first = mac_for_prefixed(secret);
    first.update(day.as_bytes());
    let k_date: [u8; 32] = first.finalize().into_bytes().into();
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// HMAC keyed with `"AWS4" + secret`, without putting the secret in a heap buffer.
fn mac_for_prefixed(secret: &str) -> HmacSha256 {
    let total = 4 + secret.len();
    if total <= BLOCK {
        let mut block = [0u8; BLOCK];
        block[..4].copy_from_slice(b"AWS4");
        if let Some(dst) = block.get_mut(4..total) {
            dst.copy_from_slice(secret.as_bytes());
        }
        <HmacSha256 as KeyInit>::new(GenericArray::from_slice(&block))
    } else {
        let mut hasher = Sha256::new();
        hasher.update(b"AWS4");
        hasher.update(secret.as_bytes());
        mac_for(&hasher.finalize())
    }
}

/// How many (secret, day, region, service) keys a [`KeyCache`] keeps: a process signs with a few
/// credentials at most, and the day changes once a day.
const CAPACITY: usize = 4;

struct Entry {
    secret: String,
    day: [u8; 8],
    region: String,
    service: String,
    mac: HmacSha256,
}

/// Prepared signing keys per (secret, day, region, service), oldest replaced first.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Vec<Entry>,
    next: usize,
}

impl KeyCache {
    /// The HMAC state keyed with the signing key for these inputs, derived on first use.
    pub(crate) fn get(
        &mut self,
        secret: &str,
        day: &str,
        region: &str,
        service: &str,
    ) -> &HmacSha256 {
        let found = self.entries.iter().position(|e| {
            e.day.as_slice() == day.as_bytes()
                && e.region == region
                && e.service == service
                && e.secret == secret
        });
        let index = match found {
            Some(i) => i,
            None => self.insert(secret, day, region, service),
        };
        // In range: `index` was just found or inserted.
        &self.entries[index].mac
    }

    fn insert(&mut self, secret: &str, day: &str, region: &str, service: &str) -> usize {
        let mut day8 = [0u8; 8];
        if let Some(src) = day.as_bytes().get(..8) {
            day8.copy_from_slice(src);
        }
        let entry = Entry {
            secret: secret.to_string(),
            day: day8,
            region: region.to_string(),
            service: service.to_string(),
            mac: mac_for(&signing_key(secret, day, region, service)),
        };
        if self.entries.len() < CAPACITY {
            self.entries.push(entry);
            self.entries.len() - 1
        } else {
            let i = self.next % CAPACITY;
            self.next = (i + 1) % CAPACITY;
            if let Some(slot) = self.entries.get_mut(i) {
                *slot = entry;
            }
            i
        }
    }
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.entries.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_the_documented_key() {
        // The example from the AWS "Examples of how to derive a signing key" page.
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn long_secrets_are_hashed_like_hmac_does() {
        let secret = "s".repeat(200);
        let via_padding = {
            let mut m = mac_for_prefixed(&secret);
            m.update(b"x");
            m.finalize().into_bytes()
        };
        let reference = {
            let mut m = <HmacSha256 as KeyInit>::new_from_slice(format!("AWS4{secret}").as_bytes())
                .expect("any key length works");
            m.update(b"x");
            m.finalize().into_bytes()
        };
        assert_eq!(via_padding, reference);
    }

    #[test]
    fn cache_returns_the_same_key_and_evicts_old_ones() {
        let mut cache = KeyCache::default();
        let direct = signing_key("secret", "20150830", "us-east-1", "sts");
        let mut a = cache.get("secret", "20150830", "us-east-1", "sts").clone();
        a.update(b"data");
        assert_eq!(a.finalize().into_bytes().as_slice(), hmac(&direct, b"data"));
        for r in ["r1", "r2", "r3", "r4", "r5"] {
            cache.get("secret", "20150830", r, "sts");
        }
        assert_eq!(cache.entries.len(), CAPACITY);
        let mut b = cache.get("secret", "20150830", "us-east-1", "sts").clone();
        b.update(b"data");
        assert_eq!(b.finalize().into_bytes().as_slice(), hmac(&direct, b"data"));
    }
}
