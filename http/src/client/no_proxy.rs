//! The `no_proxy` list: which hosts are reached directly even when a proxy
//! is set, matched the way curl matches it.
//!
//! The list is separated by commas (spaces are allowed around entries).
//! An entry is one of:
//!
//! - `*` alone: every host, so no proxy is used at all;
//! - a domain, `example.com` or `.example.com` (the leading dot, or `*.`,
//!   changes nothing): the domain itself and every name under it, but not
//!   `notexample.com`; case does not matter;
//! - an IP address, `127.0.0.1` or `::1` (or `[::1]`), which matches a URL
//!   naming that address, or a CIDR block, `10.0.0.0/8`, `fd00::/8`;
//! - any of the above with `:port`, which then matches that port only
//!   (a curl extension that Go's and Python's handling share).
//!
//! Names are compared as written: a domain entry does not match a URL that
//! names the host by its address, as in curl and wget.

use std::net::IpAddr;

use url::Host;

/// A parsed `no_proxy` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NoProxy {
    /// `*` was in the list.
    all: bool,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pattern: Pattern,
    /// `Some` when the entry named a port, and then only that port matches.
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// Lower-case, without a leading or trailing dot.
    Domain(String),
    /// An address and how many leading bits must match (32 or 128 for a
    /// single address).
    Ip(IpAddr, u8),
}

impl NoProxy {
    /// Parses a list; entries that are none of the forms above are
    /// skipped, as curl skips them.
    pub(crate) fn parse(list: &str) -> NoProxy {
        let mut no_proxy = NoProxy::default();
        for entry in list.split([',', ' ', '\t']).filter(|e| !e.is_empty()) {
            if entry == "*" {
                no_proxy.all = true;
            } else if let Some(entry) = Entry::parse(entry) {
                no_proxy.entries.push(entry);
            }
        }
        no_proxy
    }

    /// Whether a request to `host:port` goes directly.
    pub(crate) fn matches(&self, host: &Host<String>, port: u16) -> bool {
        self.all
            || self
                .entries
                .iter()
                .any(|entry| entry.port.is_none_or(|p| p == port) && entry.pattern.matches(host))
    }
}

impl Entry {
    fn parse(entry: &str) -> Option<Entry> {
        // `[::1]`, `[::1]:8080`
        if let Some(rest) = entry.strip_prefix('[') {
            let (ip, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':')?.parse().ok()?),
            };
            return Some(Entry {
                pattern: Pattern::ip(ip)?,
                port,
            });
        }
        // A bare IPv6 address or block has several colons and no port.
        if entry.matches(':').count() > 1 {
            return Pattern::ip(entry).map(|pattern| Entry {
                pattern,
                port: None,
            });
        }
        let (name, port) = match entry.rsplit_once(':') {
            Some((name, port)) => (name, Some(port.parse().ok()?)),
            None => (entry, None),
        };
        let pattern = match Pattern::ip(name) {
            Some(ip) => ip,
            None => {
                let name = name.trim_start_matches("*.").trim_matches('.');
                let host_byte = |b: u8| b.is_ascii_alphanumeric() || b"-._".contains(&b);
                if name.is_empty() || !name.bytes().all(host_byte) {
                    return None;
                }
                Pattern::Domain(name.to_ascii_lowercase())
            }
        };
        Some(Entry { pattern, port })
    }
}

impl Pattern {
    /// `10.1.2.3`, `10.0.0.0/8`, `::1`, `fd00::/8`.
    fn ip(text: &str) -> Option<Pattern> {
        let (addr, bits) = match text.split_once('/') {
            Some((addr, bits)) => (addr, Some(bits.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Pattern::Ip(addr, bits))
    }

    fn matches(&self, host: &Host<String>) -> bool {
        match (self, host) {
            (Pattern::Domain(domain), Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == *domain
                    || name
                        .strip_suffix(domain.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            }
            (Pattern::Ip(IpAddr::V4(net), bits), Host::Ipv4(ip)) => {
                prefix_matches(&net.octets(), &ip.octets(), *bits)
            }
            (Pattern::Ip(IpAddr::V6(net), bits), Host::Ipv6(ip)) => {
                prefix_matches(&net.octets(), &ip.octets(), *bits)
            }
            _ => false,
        }
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_matches(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xff_u8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(list: &str, host: &str, port: u16) -> bool {
        NoProxy::parse(list).matches(&Host::parse(host).unwrap(), port)
    }

    #[test]
    fn domains_match_themselves_and_their_subdomains_only() {
        let list = "example.com, .internal,*.corp.test,";
        for host in [
            "example.com",
            "www.example.com",
            "a.b.example.com",
            "EXAMPLE.com",
            "internal",
            "x.internal",
            "corp.test",
            "a.corp.test",
        ] {
            assert!(direct(list, host, 80), "{host}");
        }
        for host in ["notexample.com", "example.com.evil", "com", "internalx"] {
            assert!(!direct(list, host, 80), "{host}");
        }
    }

    #[test]
    fn a_star_alone_matches_everything_and_nothing_matches_nothing() {
        assert!(direct("*", "anything.test", 80));
        assert!(direct("a.test,*", "10.0.0.1", 443));
        assert!(!direct("", "localhost", 80));
        assert!(!direct(" , ", "localhost", 80));
        // A star inside a list entry is not a wildcard for everything.
        assert!(!direct("*.a.test", "b.test", 80));
    }

    #[test]
    fn addresses_and_blocks_match_addresses() {
        let list = "127.0.0.1,10.0.0.0/8,::1,fd00::/8,192.168.1.0/23";
        for host in [
            "127.0.0.1",
            "10.200.3.4",
            "[::1]",
            "[fd12::5]",
            "192.168.0.9",
        ] {
            assert!(direct(list, host, 80), "{host}");
        }
        for host in ["127.0.0.2", "11.0.0.1", "[::2]", "192.168.2.1", "localhost"] {
            assert!(!direct(list, host, 80), "{host}");
        }
        // Names are compared as written, never resolved.
        assert!(!direct("localhost", "127.0.0.1", 80));
    }

    #[test]
    fn a_port_narrows_the_entry_to_that_port() {
        let list = "example.com:8080,127.0.0.1:3000,[::1]:9000";
        assert!(direct(list, "example.com", 8080));
        assert!(direct(list, "www.example.com", 8080));
        assert!(!direct(list, "example.com", 80));
        assert!(direct(list, "127.0.0.1", 3000));
        assert!(!direct(list, "127.0.0.1", 3001));
        assert!(direct(list, "[::1]", 9000));
        assert!(!direct(list, "[::1]", 80));
    }

    #[test]
    fn nonsense_entries_are_skipped() {
        let list = "a.test:notaport,10.0.0.0/99,[::1,.,";
        assert_eq!(NoProxy::parse(list), NoProxy::default());
    }
}
