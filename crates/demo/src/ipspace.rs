//! The operators' real IPv4 space, and the small blocks the province's
//! bodies hold inside it.
//!
//! Every organisation block is carved out of a /24 "pool" that lies inside
//! one operator's space and is used for nothing else, so blocks can never
//! overlap one another and addresses picked at random from the operator's
//! space can never fall into an organisation's block. That is what lets a
//! botnet listing inside an agency block be attributed to the agency first.

use domain::{Asn, Cidr};
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

const AS7552: &str = include_str!("../data/AS7552-ipv4-aggregated.txt");
const AS24086: &str = include_str!("../data/AS24086-ipv4-aggregated.txt");
const AS45899: &str = include_str!("../data/AS45899-ipv4-aggregated.txt");
const AS18403: &str = include_str!("../data/AS18403-ipv4-aggregated.txt");
const AS131429: &str = include_str!("../data/AS131429-ipv4-aggregated.txt");

/// The four operators named in the directives, by their organisation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isp {
    Viettel,
    Vnpt,
    Fpt,
    Mobifone,
}

impl Isp {
    pub const ALL: [Isp; 4] = [Isp::Viettel, Isp::Vnpt, Isp::Fpt, Isp::Mobifone];

    pub fn key(self) -> &'static str {
        match self {
            Isp::Viettel => "viettel",
            Isp::Vnpt => "vnpt",
            Isp::Fpt => "fpt",
            Isp::Mobifone => "mobifone",
        }
    }

    pub fn asns(self) -> Vec<Asn> {
        let numbers: &[&str] = match self {
            Isp::Viettel => &["AS7552", "AS24086"],
            Isp::Vnpt => &["AS45899"],
            Isp::Fpt => &["AS18403"],
            Isp::Mobifone => &["AS131429"],
        };
        numbers
            .iter()
            .map(|n| n.parse().expect("embedded AS number"))
            .collect()
    }

    fn prefix_files(self) -> &'static [&'static str] {
        match self {
            Isp::Viettel => &[AS7552, AS24086],
            Isp::Vnpt => &[AS45899],
            Isp::Fpt => &[AS18403],
            Isp::Mobifone => &[AS131429],
        }
    }

    /// The operator's announced IPv4 space. Viettel announces from two
    /// ASNs whose lists nest inside each other; blocks covered by a wider
    /// one are dropped so the registry holds each address once per operator.
    pub fn blocks(self) -> Vec<Cidr> {
        let mut all: Vec<Cidr> = self
            .prefix_files()
            .iter()
            .flat_map(|text| parse_prefix_list(text))
            .collect();
        all.sort_by_key(|c| (c.prefix(), c.addr()));
        let mut kept: Vec<Cidr> = Vec::with_capacity(all.len());
        for c in all {
            if !kept.iter().any(|k| k.contains(c.addr())) {
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| c.addr());
        kept
    }
}

/// Reads an ipverse-style list: `#` comments, blank lines, one CIDR a line.
pub fn parse_prefix_list(text: &str) -> Vec<Cidr> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.parse().ok())
        .collect()
}

fn v4(c: &Cidr) -> Option<(u32, u32)> {
    match c.addr() {
        IpAddr::V4(a) => {
            let start = u32::from(a);
            let size = 1u64 << (32 - u32::from(c.prefix()));
            Some((start, (u64::from(start) + size - 1) as u32))
        }
        IpAddr::V6(_) => None,
    }
}

fn ip(n: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(n))
}

fn cidr(start: u32, prefix: u8) -> Cidr {
    format!("{}/{prefix}", Ipv4Addr::from(start))
        .parse()
        .expect("aligned block")
}

/// Hands out non-overlapping organisation blocks and unused host addresses.
pub struct AddressPlan {
    spaces: Vec<(Isp, Vec<(u32, u32)>)>,
    /// (isp, first address of a /24 pool, next free offset in it)
    pools: Vec<(Isp, u32, u32)>,
    used: BTreeSet<u32>,
}

impl AddressPlan {
    pub fn new() -> Self {
        let spaces = Isp::ALL
            .iter()
            .map(|&isp| (isp, isp.blocks().iter().filter_map(v4).collect()))
            .collect();
        AddressPlan {
            spaces,
            pools: Vec::new(),
            used: BTreeSet::new(),
        }
    }

    fn space(&self, isp: Isp) -> &[(u32, u32)] {
        self.spaces
            .iter()
            .find(|(i, _)| *i == isp)
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&[])
    }

    fn in_pool(&self, addr: u32) -> bool {
        self.pools.iter().any(|&(_, base, _)| addr & !0xff == base)
    }

    /// Real allocations to provincial bodies come out of the operators'
    /// large customer ranges, not out of small announced blocks.
    fn customer_ranges(&self, isp: Isp) -> Vec<(u32, u32)> {
        let space = self.space(isp);
        // /16 and wider where the operator has them (the three big ones do);
        // MobiFone's widest are /19 and /20.
        for min_size in [65_535u32, 4_095, 0] {
            let large: Vec<(u32, u32)> = space
                .iter()
                .copied()
                .filter(|(s, e)| e - s >= min_size)
                .collect();
            if !large.is_empty() {
                return large;
            }
        }
        Vec::new()
    }

    fn new_pool(&mut self, rng: &mut impl Rng, isp: Isp) -> Option<usize> {
        let ranges = self.customer_ranges(isp);
        for _ in 0..64 {
            let &(start, end) = ranges.choose(rng)?;
            let first = start >> 8;
            let last = end >> 8;
            let base = rng.gen_range(first..=last) << 8;
            if !self.in_pool(base) {
                self.pools.push((isp, base, 0));
                return Some(self.pools.len() - 1);
            }
        }
        None
    }

    /// A block of `prefix` bits (24–30) inside the operator's space, disjoint
    /// from every block handed out before.
    pub fn carve(&mut self, rng: &mut impl Rng, isp: Isp, prefix: u8) -> Option<Cidr> {
        let prefix = prefix.clamp(24, 30);
        let size = 1u32 << (32 - u32::from(prefix));
        let fits = |offset: u32| offset.div_ceil(size) * size + size <= 256;
        let slot = self
            .pools
            .iter()
            .position(|&(i, _, next)| i == isp && fits(next));
        let slot = match slot {
            Some(s) => s,
            None => self.new_pool(rng, isp)?,
        };
        let (_, base, next) = self.pools[slot];
        let offset = next.div_ceil(size) * size;
        self.pools[slot].2 = offset + size;
        Some(cidr(base + offset, prefix))
    }

    /// An unused host inside one of `blocks`, never the network, broadcast
    /// or first address (the gateway that NATs the office).
    pub fn host_in(&mut self, rng: &mut impl Rng, blocks: &[Cidr]) -> Option<IpAddr> {
        let free: Vec<u32> = blocks
            .iter()
            .filter_map(v4)
            .flat_map(|(s, e)| s.saturating_add(2)..e)
            .filter(|a| !self.used.contains(a))
            .collect();
        let &pick = free.choose(rng)?;
        self.used.insert(pick);
        Some(ip(pick))
    }

    /// The office gateway of an organisation: where its workstations appear
    /// on the Internet, and so where botnet listings of them land.
    pub fn gateway(blocks: &[Cidr]) -> Option<IpAddr> {
        blocks.iter().filter_map(v4).next().map(|(s, _)| ip(s + 1))
    }

    /// An unused address in the operator's customer space, outside every
    /// organisation pool: a host on the operator's own hosting service.
    pub fn host_in_isp(&mut self, rng: &mut impl Rng, isp: Isp) -> Option<IpAddr> {
        let ranges = self.customer_ranges(isp);
        for _ in 0..256 {
            let &(start, end) = ranges.choose(rng)?;
            let a = rng.gen_range(start..=end);
            let last_octet = a & 0xff;
            if (2..255).contains(&last_octet) && !self.in_pool(a) && !self.used.contains(&a) {
                self.used.insert(a);
                return Some(ip(a));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn embedded_lists_parse() {
        assert_eq!(Isp::Vnpt.blocks().len(), 96);
        assert!(Isp::Vnpt
            .blocks()
            .iter()
            .any(|c| c.to_string() == "14.160.0.0/11"));
        // AS24086's 116.97.56.0/21 nests inside AS7552's 116.96.0.0/12.
        let viettel = Isp::Viettel.blocks();
        assert!(viettel.iter().any(|c| c.to_string() == "116.96.0.0/12"));
        assert!(!viettel.iter().any(|c| c.to_string() == "116.97.56.0/21"));
        assert_eq!(Isp::Viettel.asns().len(), 2);
        assert_eq!(parse_prefix_list("# x\n\n1.2.3.0/24\n").len(), 1);
    }

    #[test]
    fn carved_blocks_are_disjoint_and_inside_the_operator() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut plan = AddressPlan::new();
        let mut got = Vec::new();
        for i in 0..80 {
            let isp = Isp::ALL[i % 4];
            let c = plan.carve(&mut rng, isp, 28 + (i % 2) as u8).unwrap();
            assert!(isp.blocks().iter().any(|b| b.contains(c.addr())));
            got.push(c);
        }
        for (i, a) in got.iter().enumerate() {
            for b in &got[i + 1..] {
                assert!(!a.contains(b.addr()) && !b.contains(a.addr()), "{a} {b}");
            }
        }
        let h = plan.host_in(&mut rng, &got[..1]).unwrap();
        assert!(got[0].contains(h));
        let o = plan.host_in_isp(&mut rng, Isp::Fpt).unwrap();
        assert!(!got.iter().any(|c| c.contains(o)));
    }
}
