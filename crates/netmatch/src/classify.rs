//! Addresses that can never be a real botnet host on the Internet.
//!
//! Lists from sinkholes and test fixtures carry them (documentation ranges,
//! private addresses leaked by NAT); the importer reports them apart instead
//! of matching them to an owner.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The kind of special-purpose address `ip` is, or `None` for an ordinary
/// public address. Kinds: `private`, `loopback`, `link-local`,
/// `documentation`, `multicast`, `unspecified`, `reserved` (240.0.0.0/4
/// with the broadcast address, 0.0.0.0/8, 100.64.0.0/10 shared by carrier-grade
/// NAT, 198.18.0.0/15 for benchmarking).
#[inline]
pub fn classify(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(a) => classify_v4(a),
        IpAddr::V6(a) => classify_v6(a),
    }
}

fn in4(a: u32, net: [u8; 4], prefix: u32) -> bool {
    let net = u32::from_be_bytes(net);
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    a & mask == net
}

const V4_SPECIAL: [([u8; 4], u32, &str); 13] = [
    ([10, 0, 0, 0], 8, "private"),
    ([172, 16, 0, 0], 12, "private"),
    ([192, 168, 0, 0], 16, "private"),
    ([127, 0, 0, 0], 8, "loopback"),
    ([169, 254, 0, 0], 16, "link-local"),
    ([192, 0, 2, 0], 24, "documentation"),
    ([198, 51, 100, 0], 24, "documentation"),
    ([203, 0, 113, 0], 24, "documentation"),
    ([224, 0, 0, 0], 4, "multicast"),
    ([240, 0, 0, 0], 4, "reserved"),
    ([0, 0, 0, 0], 8, "reserved"),
    ([100, 64, 0, 0], 10, "reserved"),
    ([198, 18, 0, 0], 15, "reserved"),
];

/// First octets that some special block starts with: most addresses of a
/// list are ruled out by this one look.
const V4_SPECIAL_FIRST: [bool; 256] = {
    let mut first = [false; 256];
    let mut i = 0;
    while i < V4_SPECIAL.len() {
        let (net, prefix, _) = V4_SPECIAL[i];
        let span = if prefix >= 8 { 1 } else { 1 << (8 - prefix) };
        let mut o = 0;
        while o < span {
            first[net[0] as usize + o] = true;
            o += 1;
        }
        i += 1;
    }
    first
};

#[inline]
fn classify_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let a = u32::from(ip);
    if !V4_SPECIAL_FIRST[(a >> 24) as usize] {
        return None;
    }
    // 0.0.0.0 is inside 0/8 but means "no address", which a list shows
    // when a field was empty upstream.
    if a == 0 {
        return Some("unspecified");
    }
    V4_SPECIAL
        .iter()
        .find(|(net, prefix, _)| in4(a, *net, *prefix))
        .map(|(_, _, kind)| *kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d is the IPv4 host itself as seen by a dual stack.
        return classify_v4(v4);
    }
    let a = u128::from(ip);
    let top = |bits: u32| a >> (128 - bits);
    if a == 0 {
        Some("unspecified")
    } else if a == 1 {
        Some("loopback")
    } else if top(7) == 0xfc00 >> 9 {
        Some("private")
    } else if top(10) == 0xfe80 >> 6 {
        Some("link-local")
    } else if top(32) == 0x2001_0db8 {
        Some("documentation")
    } else if top(8) == 0xff {
        Some("multicast")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Option<&'static str> {
        classify(s.parse().unwrap())
    }

    #[test]
    fn kinds() {
        assert_eq!(k("10.1.2.3"), Some("private"));
        assert_eq!(k("172.31.255.255"), Some("private"));
        assert_eq!(k("172.32.0.0"), None);
        assert_eq!(k("192.168.1.1"), Some("private"));
        assert_eq!(k("127.0.0.1"), Some("loopback"));
        assert_eq!(k("169.254.1.1"), Some("link-local"));
        assert_eq!(k("192.0.2.55"), Some("documentation"));
        assert_eq!(k("198.51.100.1"), Some("documentation"));
        assert_eq!(k("203.0.113.9"), Some("documentation"));
        assert_eq!(k("203.0.114.9"), None);
        assert_eq!(k("224.0.0.1"), Some("multicast"));
        assert_eq!(k("0.0.0.0"), Some("unspecified"));
        assert_eq!(k("0.1.2.3"), Some("reserved"));
        assert_eq!(k("240.0.0.1"), Some("reserved"));
        assert_eq!(k("255.255.255.255"), Some("reserved"));
        assert_eq!(k("100.64.0.1"), Some("reserved"));
        assert_eq!(k("100.128.0.1"), None);
        assert_eq!(k("198.19.255.255"), Some("reserved"));
        assert_eq!(k("198.20.0.0"), None);
        assert_eq!(k("8.8.8.8"), None);
        assert_eq!(k("14.160.0.1"), None);
        assert_eq!(k("::"), Some("unspecified"));
        assert_eq!(k("::1"), Some("loopback"));
        assert_eq!(k("fd12::1"), Some("private"));
        assert_eq!(k("fc00::"), Some("private"));
        assert_eq!(k("fe80::1"), Some("link-local"));
        assert_eq!(k("febf::1"), Some("link-local"));
        assert_eq!(k("fec0::1"), None);
        assert_eq!(k("2001:db8::1"), Some("documentation"));
        assert_eq!(k("ff02::1"), Some("multicast"));
        assert_eq!(k("::ffff:10.0.0.1"), Some("private"));
        assert_eq!(k("2402:800::1"), None);
    }

    #[test]
    fn first_octet_filter_agrees_with_the_table() {
        for a in (0..=u32::MAX).step_by(65_521) {
            let slow = V4_SPECIAL
                .iter()
                .any(|(net, prefix, _)| in4(a, *net, *prefix));
            if slow {
                assert!(
                    V4_SPECIAL_FIRST[(a >> 24) as usize],
                    "{}",
                    Ipv4Addr::from(a)
                );
            }
        }
    }
}
