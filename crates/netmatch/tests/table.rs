use domain::Cidr;
use netmatch::OwnerTable;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn c(s: &str) -> Cidr {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn owner<'a>(t: &'a OwnerTable<&'static str>, s: &str) -> Option<(&'a str, String)> {
    t.lookup(ip(s)).map(|(o, b)| (*o, b.to_string()))
}

fn sample() -> OwnerTable<&'static str> {
    OwnerTable::build([
        // VNPT's 14.160.0.0/11 with a provincial agency /28 and a /24 inside.
        (c("14.160.0.0/11"), "VNPT", 10),
        (c("14.177.64.0/24"), "Sở Y tế", 0),
        (c("14.177.64.16/28"), "UBND tỉnh", 0),
        (c("113.160.0.0/11"), "VNPT", 10),
        (c("27.72.0.0/13"), "Viettel", 10),
        // The same block from the registry and from the ISP prefix list.
        (c("27.72.10.0/24"), "Viettel (ISP list)", 10),
        (c("27.72.10.0/24"), "Trường Chính trị", 0),
        (c("2402:800::/32"), "VNPT", 10),
        (c("2402:800:1234::/48"), "Sở TT&TT", 0),
    ])
}

#[test]
fn hand_checked_owners() {
    let t = sample();
    let s = |o: &str, b: &str| Some((o.to_string(), b.to_string()));
    let got = |x: &str| owner(&t, x).map(|(o, b)| (o.to_string(), b));
    assert_eq!(got("14.177.64.20"), s("UBND tỉnh", "14.177.64.16/28"));
    assert_eq!(got("14.177.64.16"), s("UBND tỉnh", "14.177.64.16/28"));
    assert_eq!(got("14.177.64.31"), s("UBND tỉnh", "14.177.64.16/28"));
    assert_eq!(got("14.177.64.32"), s("Sở Y tế", "14.177.64.0/24"));
    assert_eq!(got("14.177.64.15"), s("Sở Y tế", "14.177.64.0/24"));
    assert_eq!(got("14.177.65.0"), s("VNPT", "14.160.0.0/11"));
    assert_eq!(got("14.160.0.0"), s("VNPT", "14.160.0.0/11"));
    assert_eq!(got("14.191.255.255"), s("VNPT", "14.160.0.0/11"));
    assert_eq!(got("14.192.0.0"), None);
    assert_eq!(got("14.159.255.255"), None);
    assert_eq!(got("8.8.8.8"), None);
    assert_eq!(got("27.72.10.7"), s("Trường Chính trị", "27.72.10.0/24"));
    assert_eq!(got("27.72.11.7"), s("Viettel", "27.72.0.0/13"));
    assert_eq!(
        got("2402:800:1234:5::1"),
        s("Sở TT&TT", "2402:800:1234::/48")
    );
    assert_eq!(got("2402:800:1235::1"), s("VNPT", "2402:800::/32"));
    assert_eq!(got("2402:801::1"), None);
    // An IPv4-mapped IPv6 address is not looked up in the IPv4 table.
    assert_eq!(got("::ffff:14.177.64.20"), None);
    assert_eq!(t.len(), 9);
}

#[test]
fn equal_precedence_keeps_the_first() {
    let t = OwnerTable::build([(c("10.0.0.0/8"), "a", 1), (c("10.0.0.0/8"), "b", 1)]);
    assert_eq!(t.lookup(ip("10.1.1.1")).unwrap().0, &"a");
    let t = OwnerTable::build([(c("10.0.0.0/8"), "a", 2), (c("10.0.0.0/8"), "b", 1)]);
    assert_eq!(t.lookup(ip("10.1.1.1")).unwrap().0, &"b");
}

#[test]
fn empty_table() {
    let t: OwnerTable<u8> = OwnerTable::build([]);
    assert!(t.is_empty());
    assert!(t.lookup(ip("1.2.3.4")).is_none());
    assert!(t.lookup(ip("::1")).is_none());
}

#[test]
fn real_isp_prefixes_match_a_naive_scan() {
    let text = include_str!("data/AS7552-ipv4-aggregated.txt");
    let blocks: Vec<Cidr> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(blocks.len(), 21);
    let t = OwnerTable::build(blocks.iter().map(|b| (*b, "AS7552", 10)));
    for b in &blocks {
        let IpAddr::V4(a) = b.addr() else {
            unreachable!()
        };
        let first = u32::from(a);
        let last = first | (u32::MAX >> b.prefix());
        for x in [first, last, first.wrapping_sub(1), last.wrapping_add(1)] {
            let x = IpAddr::V4(Ipv4Addr::from(x));
            let naive = blocks
                .iter()
                .filter(|b| b.contains(x))
                .max_by_key(|b| b.prefix());
            assert_eq!(t.lookup(x).map(|(_, b)| b), naive.copied(), "{x}");
        }
    }
}

/// The answer by definition: the longest containing block, and among equal
/// blocks the lowest precedence, then the earliest.
fn brute(entries: &[(Cidr, usize, u8)], x: IpAddr) -> Option<(usize, Cidr)> {
    entries
        .iter()
        .filter(|(b, _, _)| b.contains(x))
        .min_by_key(|(b, v, p)| (std::cmp::Reverse(b.prefix()), *p, *v))
        .map(|(b, v, _)| (*v, *b))
}

fn v4_block() -> impl Strategy<Value = Cidr> {
    // Few distinct high bits so blocks nest and collide often.
    (0u32..4, any::<u32>(), 0u8..=32).prop_map(|(hi, lo, p)| {
        let a = (hi << 30) | (lo >> 2);
        let a = if p == 0 {
            0
        } else {
            a & (u32::MAX << (32 - p))
        };
        Cidr::new(IpAddr::V4(Ipv4Addr::from(a)), p).unwrap()
    })
}

fn v6_block() -> impl Strategy<Value = Cidr> {
    (0u128..4, any::<u128>(), 0u8..=128).prop_map(|(hi, lo, p)| {
        let a = (hi << 126) | (lo >> 2);
        let a = if p == 0 {
            0
        } else {
            a & (u128::MAX << (128 - p))
        };
        Cidr::new(IpAddr::V6(Ipv6Addr::from(a)), p).unwrap()
    })
}

fn probe(blocks: &[(Cidr, u8)], pick: usize, offset: u128, random: u128, v6: bool) -> IpAddr {
    // Half the probes land on or next to block edges, where range splitting
    // goes wrong if it does.
    if !blocks.is_empty() && pick.is_multiple_of(2) {
        let (b, _) = blocks[pick / 2 % blocks.len()];
        match b.addr() {
            IpAddr::V4(a) => {
                let first = u32::from(a);
                let last = first | (u32::MAX.checked_shr(u32::from(b.prefix())).unwrap_or(0));
                let x = match offset % 4 {
                    0 => first,
                    1 => last,
                    2 => first.wrapping_sub(1),
                    _ => last.wrapping_add(1),
                };
                IpAddr::V4(x.into())
            }
            IpAddr::V6(a) => {
                let first = u128::from(a);
                let last = first | (u128::MAX.checked_shr(u32::from(b.prefix())).unwrap_or(0));
                let x = match offset % 4 {
                    0 => first,
                    1 => last,
                    2 => first.wrapping_sub(1),
                    _ => last.wrapping_add(1),
                };
                IpAddr::V6(x.into())
            }
        }
    } else if v6 {
        IpAddr::V6(Ipv6Addr::from(random))
    } else {
        IpAddr::V4(Ipv4Addr::from(random as u32))
    }
}

/// A block nested at the start or the end of `b`, `d` bits longer: edges
/// shared with the parent are where a range sweep goes wrong, and random
/// blocks rarely produce them.
fn child(b: Cidr, at_end: bool, d: u8) -> Cidr {
    let (bits, first) = match b.addr() {
        IpAddr::V4(a) => (32u8, u128::from(u32::from(a))),
        IpAddr::V6(a) => (128u8, u128::from(a)),
    };
    let p = b.prefix().saturating_add(d).min(bits);
    let mut a = first;
    if at_end {
        // Set the bits between the parent's prefix and the child's.
        for bit in b.prefix()..p {
            a |= 1u128 << (bits - 1 - bit);
        }
    }
    let addr = if bits == 32 {
        IpAddr::V4(Ipv4Addr::from(a as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(a))
    };
    Cidr::new(addr, p).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn lookup_agrees_with_brute_force(
        v4 in proptest::collection::vec((v4_block(), 0u8..3), 0..40),
        v6 in proptest::collection::vec((v6_block(), 0u8..3), 0..20),
        probes in proptest::collection::vec((any::<usize>(), any::<u128>(), any::<u128>(), any::<bool>()), 1..60),
        children in proptest::collection::vec((any::<usize>(), any::<bool>(), 0u8..130, 0u8..3), 0..20),
    ) {
        let mut all: Vec<(Cidr, u8)> = v4.iter().chain(v6.iter()).copied().collect();
        if !all.is_empty() {
            for (pick, at_end, d, p) in children {
                let parent = all[pick % all.len()].0;
                all.push((child(parent, at_end, d), p));
            }
        }
        let entries: Vec<(Cidr, usize, u8)> =
            all.iter().enumerate().map(|(i, (b, p))| (*b, i, *p)).collect();
        let t = OwnerTable::build(entries.iter().copied());
        for (pick, offset, random, is_v6) in probes {
            let x = probe(&all, pick, offset, random, is_v6);
            let got = t.lookup(x).map(|(v, b)| (*v, b));
            prop_assert_eq!(got, brute(&entries, x), "ip {}", x);
        }
    }
}
