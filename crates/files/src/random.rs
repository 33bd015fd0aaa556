//! Randomness from the operating system, for the core's pure decisions that take it as input.

/// A jitter value in `[0, 1)` for the retry backoff ([`awscred_core::retry::Attempts`]) and
/// the in-memory cache's refresh window, from the OS's random source. Should the source fail
/// (it practically never does), 0.5: the middle of the range, so waits stay reasonable.
pub fn jitter() -> f64 {
    let mut bits = [0u8; 8];
    if getrandom::getrandom(&mut bits).is_err() {
        return 0.5;
    }
    awscred_core::transport::jitter_from_bits(u64::from_le_bytes(bits))
}

/// `N` fresh random bytes from the OS (a DPoP proof's `jti`, a login's PKCE verifier), or
/// `None` when the source fails: a flow that needs them then says so instead of reusing bytes.
pub fn fresh<const N: usize>() -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).ok().map(|()| bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn jitter_is_in_range_and_varies() {
        let values: Vec<f64> = (0..64).map(|_| super::jitter()).collect();
        assert!(values.iter().all(|j| (0.0..1.0).contains(j)));
        // 64 draws of 53 random bits are all equal with probability 2^-3339.
        assert!(values.iter().any(|j| *j != values[0]));
    }
}
