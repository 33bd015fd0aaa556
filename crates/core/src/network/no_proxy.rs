//! `NO_PROXY`: which hosts are reached directly even when a proxy is configured.
//!
//! The syntax is the union of what the common clients accept (Python's
//! `urllib.request.proxy_bypass_environment`, which botocore calls, plus the IP and CIDR
//! entries of `requests` and curl): comma-separated entries, surrounding spaces ignored;
//! `*` alone matches everything; `name` or `.name` or `*.name` matches the host `name` and
//! every host under it; an IP address matches that address; `a.b.c.d/n` or `v6::/n` matches
//! the addresses in the range; any entry may end with `:PORT` to match only that port.

use std::net::IpAddr;

/// A parsed `NO_PROXY` value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// `*`: every host.
    Everything,
    /// A host name (lower-case, no leading dot) and the names under it.
    Domain { name: String, port: Option<u16> },
    /// One address.
    Address { ip: IpAddr, port: Option<u16> },
    /// A range of addresses.
    Range { network: IpAddr, prefix: u8 },
}

impl NoProxy {
    /// Parses a `NO_PROXY` value. Entries that cannot mean anything (an empty name, a prefix
    /// past the address size) are skipped, as the other clients skip them.
    pub fn parse(value: &str) -> NoProxy {
        let entries = value
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .filter_map(Entry::parse)
            .collect();
        NoProxy { entries }
    }

    /// Whether `host` (as in a URI: IPv6 in brackets or not, any case) on `port` is reached
    /// directly.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.entries.iter().any(|entry| match entry {
            Entry::Everything => true,
            Entry::Domain { name, port: p } => {
                p.is_none_or(|p| p == port)
                    && (host == *name
                        || (host.len() > name.len()
                            && host.ends_with(name.as_str())
                            && host.as_bytes()[host.len() - name.len() - 1] == b'.'))
            }
            Entry::Address { ip: a, port: p } => p.is_none_or(|p| p == port) && ip == Some(*a),
            Entry::Range { network, prefix } => {
                ip.is_some_and(|ip| in_range(ip, *network, *prefix))
            }
        })
    }

    /// Whether the value had no usable entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Entry {
    fn parse(raw: &str) -> Option<Entry> {
        if raw == "*" {
            return Some(Entry::Everything);
        }
        if let Some((addr, prefix)) = raw.split_once('/') {
            let network = addr
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .ok()?;
            let prefix = prefix.parse::<u8>().ok()?;
            let bits = if network.is_ipv4() { 32 } else { 128 };
            return (prefix <= bits).then_some(Entry::Range { network, prefix });
        }
        // A bare IPv6 address has colons but no port; `[v6]:port` and `v4:port` have one.
        if let Ok(ip) = raw.trim_start_matches('[').trim_end_matches(']').parse() {
            return Some(Entry::Address { ip, port: None });
        }
        let (name, port) = split_port(raw)?;
        if let Ok(ip) = name.trim_start_matches('[').trim_end_matches(']').parse() {
            return Some(Entry::Address { ip, port });
        }
        let name = name
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        (!name.is_empty()).then_some(Entry::Domain { name, port })
    }
}

/// `name:port` → (`name`, port); `name` → (`name`, None). `None` for a port that is not one.
fn split_port(raw: &str) -> Option<(&str, Option<u16>)> {
    match raw.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') => Some((name, Some(port.parse().ok()?))),
        _ => Some((raw, None)),
    }
}

fn in_range(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_suffixes() {
        let n = NoProxy::parse(" example.com , .corp.example,*.svc.local ");
        assert!(n.matches("example.com", 443));
        assert!(n.matches("EXAMPLE.com", 443));
        assert!(n.matches("sts.example.com", 443));
        assert!(!n.matches("badexample.com", 443));
        assert!(n.matches("a.b.corp.example", 443));
        assert!(n.matches("corp.example", 443));
        assert!(n.matches("x.svc.local", 443));
        assert!(!n.matches("amazonaws.com", 443));
    }

    #[test]
    fn star_ports_addresses_ranges() {
        assert!(NoProxy::parse("*").matches("anything", 1));
        let n = NoProxy::parse(
            "internal:8443,10.0.0.0/8,192.168.1.7,[fd00::1],fd12::/16,172.16.0.1:443",
        );
        assert!(n.matches("internal", 8443));
        assert!(!n.matches("internal", 443));
        assert!(n.matches("10.200.3.4", 443));
        assert!(!n.matches("11.0.0.1", 443));
        assert!(n.matches("192.168.1.7", 443));
        assert!(!n.matches("192.168.1.8", 443));
        assert!(n.matches("[fd00::1]", 443));
        assert!(n.matches("[fd12:3::9]", 443));
        assert!(!n.matches("[fd13::9]", 443));
        assert!(n.matches("172.16.0.1", 443));
        assert!(!n.matches("172.16.0.1", 80));
    }

    #[test]
    fn nonsense_entries_are_skipped() {
        let n = NoProxy::parse(",, ., 10.0.0.0/99, host:notaport");
        assert!(n.is_empty());
        assert!(!n.matches("host", 443));
    }
}
