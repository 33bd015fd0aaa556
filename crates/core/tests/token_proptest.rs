//! Properties of the cache-file codecs: what is written reads back the same, and no input makes
//! a parser panic.

use std::time::{Duration, SystemTime};

use awscred_core::cli_cache;
use awscred_core::registration::Registration;
use awscred_core::token::CachedToken;
use proptest::prelude::*;
use serde_json::{Map, Value};

const KNOWN: [&str; 8] = [
    "accessToken",
    "expiresAt",
    "refreshToken",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
    "region",
    "startUrl",
];

fn whole_seconds() -> impl Strategy<Value = SystemTime> {
    // 1970 to 9999, whole seconds: what the CLI's format can carry.
    (0u64..253_402_300_799).prop_map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, including controls, quotes, backslashes and astral characters.
    any::<String>()
}

/// Floats that serde_json's default (not correctly rounded) parser reads back exactly: small
/// dyadic fractions and integers scaled by powers of ten that stay within 10^22, in both of Python's notations.
fn floats() -> impl Strategy<Value = f64> {
    prop_oneof![
        (any::<i16>(), 0u32..=10).prop_map(|(m, e)| f64::from(m) / f64::from(1u32 << e)),
        (any::<i16>(), 0i32..=18).prop_map(|(m, e)| format!("{m}e{e}").parse().unwrap_or(0.0)),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        floats().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn unknown_fields() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(text(), json_value(), 0..4).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| !KNOWN.iter().any(|known| known.eq_ignore_ascii_case(k)))
            .collect()
    })
}

prop_compose! {
    fn token()(
        access_token in text().prop_filter("non-empty", |s| !s.is_empty()),
        expires_at in whole_seconds(),
        refresh_token in proptest::option::of(text()),
        client_id in proptest::option::of(text()),
        client_secret in proptest::option::of(text()),
        registration_expires_at in proptest::option::of(whole_seconds()),
        region in proptest::option::of(text()),
        start_url in proptest::option::of(text()),
        unknown in unknown_fields(),
    ) -> CachedToken {
        CachedToken {
            access_token: access_token.into(), expires_at, refresh_token: refresh_token.map(Into::into), client_id, client_secret: client_secret.map(Into::into),
            registration_expires_at, region, start_url, unknown,
        }
    }
}

proptest! {
    #[test]
    fn token_written_then_read_is_the_same(t in token()) {
        let bytes = t.to_json();
        prop_assert!(bytes.is_ascii());
        prop_assert!(!bytes.contains(&b'\n'));
        let back = CachedToken::parse(&bytes).unwrap();
        prop_assert_eq!(&back.unknown, &t.unknown);
        prop_assert_eq!(back, t);
    }

    #[test]
    fn registration_written_then_read_is_the_same(
        client_id in text().prop_filter("non-empty", |s| !s.is_empty()),
        client_secret in text().prop_filter("non-empty", |s| !s.is_empty()),
        expires_at in whole_seconds(),
        scopes in proptest::option::of(prop::collection::vec(text(), 0..3)),
        grant_types in proptest::option::of(prop::collection::vec(text(), 0..3)),
    ) {
        let r = Registration { client_id, client_secret: client_secret.into(), expires_at, scopes, grant_types };
        prop_assert_eq!(Registration::parse(&r.to_json()).unwrap(), r);
    }

    #[test]
    fn parsers_never_panic_on_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        awscred_core::fuzzing::token_cache::run(&data);
    }

    #[test]
    fn parsers_never_panic_on_json(v in json_value()) {
        let data = serde_json::to_vec(&v).unwrap();
        awscred_core::fuzzing::token_cache::run(&data);
        let wrapped = serde_json::json!({"accessToken": v.clone(), "expiresAt": v.clone(),
            "Credentials": {"AccessKeyId": v.clone(), "SecretAccessKey": "s", "Expiration": v}});
        awscred_core::fuzzing::token_cache::run(&serde_json::to_vec(&wrapped).unwrap());
        let _ = cli_cache::is_sso_entry(&data);
    }
}
