//! Properties of the network rules (`awscred_core::network`): loopback is never proxied,
//! clear text never reaches a proxy, `NO_PROXY` matches what its entries say and nothing
//! else, proxy credentials round-trip and never show, the CONNECT reader never panics.

use awscred_core::config::Env;
use awscred_core::network::{
    ConnectHead, NoProxy, ProxyRules, ProxyServer, Route, parse_connect_head,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,8}"
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
}

fn loopback_host() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(a, b, c)| format!("127.{a}.{b}.{c}")),
        Just("[::1]".to_string()),
        Just("localhost".to_string()),
        Just("LocalHost".to_string()),
    ]
}

fn proxy_env() -> impl Strategy<Value = Vec<(String, String)>> {
    let var = prop::sample::select(vec![
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ]);
    prop::collection::vec(
        (var, domain(), 1u16..).prop_map(|(v, h, p)| (v.to_string(), format!("http://{h}:{p}"))),
        0..4,
    )
}

proptest! {
    #[test]
    fn loopback_is_never_proxied(env in proxy_env(), host in loopback_host(), https in any::<bool>(), port in 1u16..) {
        let rules = ProxyRules::from_env(&Env::from_pairs(env)).unwrap();
        let scheme = if https { "https" } else { "http" };
        let uri: http::Uri = format!("{scheme}://{host}:{port}/x").parse().unwrap();
        prop_assert_eq!(rules.route(&uri).unwrap(), Route::Direct);
    }

    #[test]
    fn plain_http_never_goes_through_a_proxy(env in proxy_env(), host in domain(), no_proxy in "[a-z.,*]{0,12}") {
        let mut env = env;
        env.push(("NO_PROXY".into(), no_proxy));
        let rules = ProxyRules::from_env(&Env::from_pairs(env)).unwrap();
        let uri: http::Uri = format!("http://{host}.example/").parse().unwrap();
        prop_assert!(!matches!(rules.route(&uri), Ok(Route::Tunnel(_))));
    }

    #[test]
    fn star_bypasses_everything(host in domain(), port in 1u16..) {
        let rules = ProxyRules::from_env(&Env::from_pairs([
            ("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", "*"),
        ])).unwrap();
        let uri: http::Uri = format!("https://{host}.example:{port}/").parse().unwrap();
        prop_assert_eq!(rules.route(&uri).unwrap(), Route::Direct);
    }

    #[test]
    fn a_domain_entry_matches_itself_and_what_is_under_it(entry in domain(), sub in label(), other in domain(), dot in any::<bool>()) {
        let n = NoProxy::parse(&format!("{}{entry}", if dot { "." } else { "" }));
        prop_assert!(n.matches(&entry, 443));
        let under = format!("{sub}.{entry}");
        prop_assert!(n.matches(&under, 443));
        prop_assert!(n.matches(&entry.to_uppercase(), 443));
        // A host matches only when it is the entry or ends with `.entry`.
        let suffix = format!(".{entry}");
        let expected = other == entry || other.ends_with(&suffix);
        prop_assert_eq!(n.matches(&other, 443), expected);
        // Glued on without a dot is another name.
        let glued = format!("{sub}{entry}");
        prop_assert!(!n.matches(&glued, 443));
    }

    #[test]
    fn cidr_ranges_match_by_prefix_bits(net in any::<u32>(), ip in any::<u32>(), prefix in 0u8..=32) {
        let n = NoProxy::parse(&format!("{}/{prefix}", std::net::Ipv4Addr::from(net)));
        let same_prefix = (0..prefix).all(|bit| (net >> (31 - bit)) & 1 == (ip >> (31 - bit)) & 1);
        prop_assert_eq!(n.matches(&std::net::Ipv4Addr::from(ip).to_string(), 443), same_prefix);
    }

    #[test]
    fn v6_ranges_match_by_prefix_bits(net in any::<u128>(), ip in any::<u128>(), prefix in 0u8..=128) {
        let n = NoProxy::parse(&format!("{}/{prefix}", std::net::Ipv6Addr::from(net)));
        let same_prefix = (0..prefix).all(|bit| (net >> (127 - bit)) & 1 == (ip >> (127 - bit)) & 1);
        let host = format!("[{}]", std::net::Ipv6Addr::from(ip));
        prop_assert_eq!(n.matches(&host, 443), same_prefix);
    }

    #[test]
    fn ports_restrict_entries(host in domain(), port in 1u16.., other in 1u16..) {
        let n = NoProxy::parse(&format!("{host}:{port}"));
        prop_assert!(n.matches(&host, port));
        prop_assert_eq!(n.matches(&host, other), other == port);
    }

    #[test]
    fn credentials_round_trip_and_never_show(user in "[ -~]{1,12}", password in "#[ -~]{5,15}") {
        let url = format!(
            "http://{}:{}@proxy.corp:3128",
            utf8_percent_encode(&user, NON_ALPHANUMERIC),
            utf8_percent_encode(&password, NON_ALPHANUMERIC)
        );
        let p = ProxyServer::parse(&url, "HTTPS_PROXY").unwrap();
        prop_assert_eq!(p.credentials(), Some((user.as_str(), password.as_str())));
        let shown = format!("{p:?} {}", p.display());
        prop_assert!(!shown.contains(&password));
        prop_assert!(!shown.contains(p.authorization().unwrap()));
    }

    #[test]
    fn connect_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let p = ProxyServer::parse("http://proxy:3128", "HTTPS_PROXY").unwrap();
        let _ = parse_connect_head(&bytes, &p, "h");
    }

    #[test]
    fn a_split_head_is_incomplete_until_its_end(status in 100u16..600, cut in 0usize..40) {
        let p = ProxyServer::parse("http://proxy:3128", "HTTPS_PROXY").unwrap();
        let head = format!("HTTP/1.1 {status} Whatever\r\nVia: 1.1 p\r\n\r\n");
        let cut = cut.min(head.len() - 1);
        prop_assert_eq!(parse_connect_head(&head.as_bytes()[..cut], &p, "h").unwrap(), ConnectHead::Incomplete);
        let whole = parse_connect_head(head.as_bytes(), &p, "h");
        prop_assert_eq!(whole.is_ok(), (200..300).contains(&status));
        if let Ok(got) = whole {
            prop_assert_eq!(got, ConnectHead::Established(head.len()));
        }
    }
}
