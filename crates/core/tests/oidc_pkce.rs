//! The browser login's pure pieces against docs/sso-oidc-and-login.md §6: PKCE, state, authorize URL, redirect.

use std::collections::BTreeSet;

use awscred_core::oidc::pkce::{
    authorize_url, code_challenge, code_verifier, is_callback, parse_callback, redirect_uri,
    state_from_random,
};
use awscred_core::{Endpoint, Error};

const UNRESERVED: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

#[test]
fn challenge_of_the_wire_vector() {
    assert_eq!(
        code_challenge(&"a".repeat(64)),
        "_-BU_nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs"
    );
    // RFC 7636 appendix B.
    assert_eq!(
        code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn verifiers_are_64_unreserved_characters_and_follow_the_bytes() {
    let mut seen = BTreeSet::new();
    for seed in 0u8..=255 {
        let random: [u8; 64] =
            std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8).rotate_left(3));
        let v = code_verifier(&random);
        assert_eq!(v.len(), 64);
        assert!(v.chars().all(|c| UNRESERVED.contains(c)), "{v}");
        assert_eq!(code_challenge(&v).len(), 43);
        seen.insert(v);
    }
    assert_eq!(seen.len(), 256, "different bytes give different verifiers");
    assert_eq!(code_verifier(&[0; 64]), "a".repeat(64));
    assert_eq!(code_verifier(&[0xff; 64]), code_verifier(&[0xff; 64]));
}

#[test]
fn verifier_characters_are_close_to_uniform() {
    // 4096 verifiers from a simple generator: every one of the 66 characters must appear about
    // 4096 * 64 / 66 ≈ 3972 times. A per-byte modulo would skew 8 characters by a quarter.
    let mut counts = [0u32; 66];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..4096 {
        let random: [u8; 64] = std::array::from_fn(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        });
        for c in code_verifier(&random).chars() {
            counts[UNRESERVED.find(c).unwrap()] += 1;
        }
    }
    let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(*min > 3700 && *max < 4250, "{counts:?}");
}

#[test]
fn state_is_a_uuid4() {
    assert_eq!(
        state_from_random(&[0; 16]),
        "00000000-0000-4000-8000-000000000000"
    );
    assert_eq!(
        state_from_random(&[0xff; 16]),
        "ffffffff-ffff-4fff-bfff-ffffffffffff"
    );
    let s = state_from_random(&std::array::from_fn(|i| i as u8 * 17));
    assert_eq!(s, "00112233-4455-4677-8899-aabbccddeeff");
}

#[test]
fn authorize_url_matches_botocore() {
    let endpoint = Endpoint {
        url: "https://oidc.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    };
    let url = authorize_url(
        &endpoint,
        "cid-123",
        &redirect_uri(54321),
        "2d9a0f6e-1b2c-4d5e-8f90-123456789abc",
        &code_challenge(&"a".repeat(64)),
        &[
            "sso:account:access".into(),
            "codewhisperer:completions".into(),
        ],
    );
    assert_eq!(
        url,
        "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid-123&redirect_uri=http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback&state=2d9a0f6e-1b2c-4d5e-8f90-123456789abc&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions&code_challenge=_-BU_nrgy23GXDr5th1SCfQ5hR20PQulmXM33xVGaOs"
    );
    let default_scope = authorize_url(&endpoint, "c", "r", "s", "x", &[]);
    assert!(
        default_scope.contains("&scopes=sso%3Aaccount%3Aaccess&"),
        "{default_scope}"
    );
}

#[test]
fn the_callback_gives_the_code_when_the_state_matches() {
    assert_eq!(parse_callback("code=abc&state=S1", "S1"), Ok("abc".into()));
    assert_eq!(
        parse_callback("/oauth/callback?state=S1&code=a%2Fb+c", "S1"),
        Ok("a/b c".into())
    );
    assert_eq!(
        parse_callback("?code=first&code=second&state=S1", "S1"),
        Ok("first".into())
    );
    let mismatch = Error::Login("State parameter does not match expected value.".into());
    assert_eq!(parse_callback("code=abc&state=other", "S1"), Err(mismatch));
    let no_code = Error::Login("Failed to retrieve an authorization code.".into());
    assert_eq!(
        parse_callback("error=access_denied&state=S1", "S1"),
        Err(no_code.clone())
    );
    assert_eq!(
        parse_callback("error=access_denied&code=abc&state=S1", "S1"),
        Err(no_code.clone())
    );
    assert_eq!(parse_callback("state=S1", "S1"), Err(no_code.clone()));
    assert_eq!(parse_callback("code=&state=S1", "S1"), Err(no_code));
}

#[test]
fn only_redirects_count_as_callbacks() {
    assert!(is_callback("code=abc&state=S1"));
    assert!(is_callback("/oauth/callback?error=access_denied"));
    assert!(!is_callback("/favicon.ico"));
    assert!(!is_callback("code=abc"));
    assert!(!is_callback(""));
}
