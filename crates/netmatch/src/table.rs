//! Longest-prefix match flattened into sorted disjoint ranges.
//!
//! CIDR blocks are either nested or disjoint, so the address space splits
//! into ranges that each have exactly one most specific block. A lookup is
//! then "the last range starting at or before the address": a binary search
//! over plain integers, which stays in cache and beats a pointer-chasing trie.
//! For IPv4 a 64 k-entry table on the top 16 bits names the owner outright
//! when one owner holds the whole /16 (most of the address space), and
//! otherwise narrows that search to the few ranges inside the /16.

use domain::Cidr;
use std::net::IpAddr;

/// Marks a range that no block covers.
const NONE: u32 = u32::MAX;
/// Marks a /16 split between owners in `v4_slots`.
const SPLIT: u32 = u32::MAX - 1;

/// Owners of address blocks, looked up by the most specific block holding an
/// address.
#[derive(Debug, Clone)]
pub struct OwnerTable<T> {
    blocks: Vec<(Cidr, T)>,
    v4: Ranges<u32>,
    /// One slot per /16 `h` (and one past the last): the low half is the
    /// index of the first v4 range starting inside it, so the ranges inside
    /// are `lo(h)..lo(h + 1)`; the high half is the owner of the whole /16
    /// when it has one throughout (or `NONE`), so that most lookups end
    /// after one read, and `SPLIT` otherwise. Both halves in one word: a
    /// split /16 costs no second cache miss.
    v4_slots: Vec<u64>,
    v6: Ranges<u128>,
}

#[derive(Debug, Clone, Default)]
struct Ranges<K> {
    starts: Vec<K>,
    /// Index into `blocks`, or `NONE`.
    owners: Vec<u32>,
}

/// One block during the build, keyed in 128 bits whatever its family so the
/// sweep is written once.
struct Span {
    first: u128,
    last: u128,
    prefix: u8,
    precedence: u8,
    order: usize,
    owner: u32,
}

impl<T: Clone> OwnerTable<T> {
    /// Builds the table. When the same block is given more than once, the
    /// entry with the lowest `precedence` owns it; on a tie, the earlier one.
    pub fn build(entries: impl IntoIterator<Item = (Cidr, T, u8)>) -> Self {
        let mut blocks = Vec::new();
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (order, (cidr, value, precedence)) in entries.into_iter().enumerate() {
            let owner = u32::try_from(blocks.len())
                .ok()
                .filter(|&o| o < SPLIT)
                .expect("fewer than 4 G blocks");
            let (first, last, target) = match cidr.addr() {
                IpAddr::V4(a) => {
                    let first = u128::from(u32::from(a));
                    (first, first | host_mask(32, cidr.prefix()), &mut v4)
                }
                IpAddr::V6(a) => {
                    let first = u128::from(a);
                    (first, first | host_mask(128, cidr.prefix()), &mut v6)
                }
            };
            target.push(Span {
                first,
                last,
                prefix: cidr.prefix(),
                precedence,
                order,
                owner,
            });
            blocks.push((cidr, value));
        }
        let v4 = flatten(v4, u128::from(u32::MAX));
        let v4 = Ranges {
            starts: v4.starts.iter().map(|&s| s as u32).collect(),
            owners: v4.owners,
        };
        let v6 = flatten(v6, u128::MAX);
        let mut v4_index = Vec::with_capacity((1 << 16) + 1);
        for h in 0..=(1u32 << 16) {
            let bound = u64::from(h) << 16;
            let at = v4.starts.partition_point(|&s| u64::from(s) < bound);
            v4_index.push(at as u32);
        }
        let v4_slots = (0..=1usize << 16)
            .map(|h| {
                let lo = v4_index[h] as usize;
                let hi = v4_index.get(h + 1).map_or(lo, |&i| i as usize);
                let owner = if h == 1 << 16 {
                    SPLIT
                } else if lo == hi {
                    // No range starts inside: the one before covers it all.
                    // (`lo` > 0: the range at 0 is counted for h = 0.)
                    v4.owners[lo - 1]
                } else if hi - lo == 1 && v4.starts[lo] == (h as u32) << 16 {
                    v4.owners[lo]
                } else {
                    SPLIT
                };
                u64::from(owner) << 32 | lo as u64
            })
            .collect();
        Self {
            blocks,
            v4,
            v4_slots,
            v6,
        }
    }

    /// The owner of the most specific block containing `ip`, with that block.
    #[inline]
    pub fn lookup(&self, ip: IpAddr) -> Option<(&T, Cidr)> {
        let owner = match ip {
            IpAddr::V4(a) => self.owner_v4(u32::from(a)),
            IpAddr::V6(a) => {
                let key = u128::from(a);
                let r = &self.v6;
                // starts[0] is always 0, so the partition point is at least 1.
                let at = r.starts.partition_point(|&s| s <= key);
                r.owners[at - 1]
            }
        };
        if owner == NONE {
            return None;
        }
        let (cidr, value) = &self.blocks[owner as usize];
        Some((value, *cidr))
    }

    #[inline]
    fn owner_v4(&self, key: u32) -> u32 {
        let h = (key >> 16) as usize;
        let slot = self.v4_slots[h];
        let owner = (slot >> 32) as u32;
        if owner != SPLIT {
            return owner;
        }
        let lo = slot as u32 as usize;
        let hi = self.v4_slots[h + 1] as u32 as usize;
        let at = lo + self.v4.starts[lo..hi].partition_point(|&s| s <= key);
        // A range starting at 0 always exists, so `at` is at least 1.
        self.v4.owners[at - 1]
    }

    /// Number of entries given to `build`, including shadowed duplicates.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Number of disjoint ranges the table searches (IPv4, IPv6); a measure of
    /// its memory and depth.
    pub fn ranges(&self) -> (usize, usize) {
        (self.v4.starts.len(), self.v6.starts.len())
    }
}

fn host_mask(bits: u8, prefix: u8) -> u128 {
    let host = u32::from(bits - prefix);
    let all = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if host >= 128 {
        all
    } else {
        ((1u128 << host) - 1) & all
    }
}

fn flatten(mut spans: Vec<Span>, max: u128) -> Ranges<u128> {
    // Parents before children at the same start, and the winning duplicate
    // first so the others can be dropped.
    spans.sort_by_key(|s| (s.first, s.prefix, s.precedence, s.order));
    spans.dedup_by(|later, kept| later.first == kept.first && later.prefix == kept.prefix);

    let mut out = Ranges {
        starts: vec![0u128],
        owners: vec![NONE],
    };
    let mut open: Vec<&Span> = Vec::new();
    for span in &spans {
        while let Some(top) = open.last() {
            if top.last >= span.first {
                break;
            }
            let end = top.last;
            open.pop();
            // `end < span.first <= max`, so this cannot overflow.
            emit(&mut out, end + 1, open.last().map_or(NONE, |s| s.owner));
        }
        open.push(span);
        emit(&mut out, span.first, span.owner);
    }
    while let Some(top) = open.pop() {
        if top.last == max {
            // Every enclosing block also ends at the top of the space.
            break;
        }
        emit(
            &mut out,
            top.last + 1,
            open.last().map_or(NONE, |s| s.owner),
        );
    }
    out
}

fn emit(out: &mut Ranges<u128>, start: u128, owner: u32) {
    let n = out.starts.len();
    if out.starts[n - 1] == start {
        // A child starting where its parent starts, or several blocks ending
        // together: the latest word on this point wins.
        out.owners[n - 1] = owner;
        if n >= 2 && out.owners[n - 2] == owner {
            out.starts.pop();
            out.owners.pop();
        }
    } else if out.owners[n - 1] != owner {
        out.starts.push(start);
        out.owners.push(owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn whole_slash16s_are_named_directly() {
        let t = OwnerTable::build([
            (c("10.0.0.0/8"), "B", 0),
            (c("10.1.0.0/16"), "A", 0),
            (c("10.2.0.0/24"), "C", 0),
            (c("10.3.128.0/17"), "D", 0),
        ]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let h = |s: &str| match ip(s) {
            IpAddr::V4(a) => (t.v4_slots[(u32::from(a) >> 16) as usize] >> 32) as u32,
            IpAddr::V6(_) => unreachable!(),
        };
        assert_eq!(h("9.255.0.0"), NONE);
        assert_eq!(h("10.0.0.0"), 0);
        assert_eq!(h("10.1.2.3"), 1);
        assert_eq!(h("10.2.0.0"), SPLIT);
        assert_eq!(h("10.3.0.0"), SPLIT);
        assert_eq!(h("10.4.0.0"), 0);
        assert_eq!(h("11.0.0.0"), NONE);
        for (x, owner) in [
            ("10.1.255.255", "A"),
            ("10.2.0.255", "C"),
            ("10.2.1.0", "B"),
            ("10.3.127.255", "B"),
            ("10.3.128.0", "D"),
            ("10.255.255.255", "B"),
        ] {
            assert_eq!(t.lookup(ip(x)).unwrap().0, &owner, "{x}");
        }
        assert!(t.lookup(ip("11.0.0.0")).is_none());
    }

    #[test]
    fn whole_space_blocks_do_not_overflow() {
        let t = OwnerTable::build([
            (c("0.0.0.0/0"), "all4", 0),
            (c("255.255.255.255/32"), "top", 0),
            (c("::/0"), "all6", 0),
            (c("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), "top6", 0),
        ]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(t.lookup(ip("255.255.255.255")).unwrap().0, &"top");
        assert_eq!(t.lookup(ip("255.255.255.254")).unwrap().0, &"all4");
        assert_eq!(t.lookup(ip("0.0.0.0")).unwrap().0, &"all4");
        assert_eq!(
            t.lookup(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
                .unwrap()
                .0,
            &"top6"
        );
        assert_eq!(t.lookup(ip("::1")).unwrap().0, &"all6");
    }
}
