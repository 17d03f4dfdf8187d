use netmatch::*;
#[path = "../src/ipv4.rs"]
#[allow(dead_code)]
mod ipv4;
use std::hint::black_box;
use std::time::Instant;
#[inline(always)]
fn movemask(m: u128) -> u32 {
    // m has only bit 7 of each byte set; gather them into 16 bits.
    const MAGIC: u64 = 0x0102_0408_1020_4080;
    let lo = (((m as u64 >> 7) & 0x0101_0101_0101_0101).wrapping_mul(MAGIC) >> 56) as u32;
    let hi = ((((m >> 64) as u64 >> 7) & 0x0101_0101_0101_0101).wrapping_mul(MAGIC) >> 56) as u32;
    lo | hi << 8
}
#[inline(always)]
fn zero_bytes(v: u128) -> u128 {
    const L7: u128 = 0x7F7F_7F7F_7F7F_7F7F_7F7F_7F7F_7F7F_7F7F;
    const H: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
    !(((v & L7) + L7) | v) & H
}
#[inline]
fn swar_line(window: &[u8]) -> Option<(u32, usize)> {
    let Some(w) = window.first_chunk::<16>() else {
        return ipv4::text_line(window);
    };
    const B: u128 = 0x0101_0101_0101_0101_0101_0101_0101_0101;
    let x = u128::from_le_bytes(*w);
    let nl = movemask(zero_bytes(x ^ (B * 0x0A)));
    if nl == 0 {
        return ipv4::text_line(window);
    }
    let e = nl.trailing_zeros() as usize;
    let cr = (e > 0 && w[e - 1] == b'\r') as usize;
    let len = e - cr;
    let dots = movemask(zero_bytes(x ^ (B * 0x2E)));
    let hi_ok = zero_bytes((x & (B * 0xF0)) ^ (B * 0x30));
    let lo_ok = zero_bytes(((x & (B * 0x0F)) + B * 0x06) & (B * 0x10));
    let digits = movemask(hi_ok & lo_ok);
    let need = (1u32 << len) - 1;
    let dots = dots & need;
    let ok_chars = (digits | dots) & need == need;
    let p1 = dots.trailing_zeros() as usize;
    let r = dots & dots.wrapping_sub(1);
    let p2 = r.trailing_zeros() as usize;
    let r = r & r.wrapping_sub(1);
    let p3 = r.trailing_zeros() as usize;
    let r = r & r.wrapping_sub(1);
    if !ok_chars || dots.count_ones() != 3 || r != 0 {
        return None;
    }
    const M0: [u32; 4] = [0, 1, 10, 100];
    const M1: [u32; 4] = [0, 0, 1, 10];
    const M2: [u32; 4] = [0, 0, 0, 1];
    let mut d = [0u32; 19];
    for i in 0..16 {
        d[i] = u32::from(w[i] & 0x0F);
    }
    let oct = |s: usize, l: usize| -> (u32, bool) {
        let l4 = l.min(3);
        let v = d[s] * M0[l4] + d[s + 1] * M1[l4] + d[s + 2] * M2[l4];
        (v, (1..=3).contains(&l) & !(l > 1 && d[s] == 0) & (v <= 255))
    };
    let (a, ga) = oct(0, p1);
    let (b, gb) = oct(p1 + 1, p2 - p1 - 1);
    let (c, gc) = oct(p2 + 1, p3 - p2 - 1);
    let (dd, gd) = oct(p3 + 1, len - p3 - 1);
    (ga & gb & gc & gd).then_some((a << 24 | b << 16 | c << 8 | dd, e + 1))
}
fn best<T>(f: &mut dyn FnMut() -> T) -> f64 {
    let mut b = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        black_box(f());
        b = b.min(t.elapsed().as_secs_f64());
    }
    b * 1e3
}
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&a[1]).unwrap();
    let mut entries = Vec::new();
    for (i, p) in a[2..].iter().enumerate() {
        for c in parse_prefix_list(std::fs::File::open(p).unwrap()) {
            entries.push((c.unwrap(), i as u32, if p.contains("AS") { 1 } else { 2 }));
        }
    }
    let table = OwnerTable::build(entries);
    let ips: Vec<std::net::IpAddr> = parse(Format::Text, &bytes[..])
        .flatten()
        .map(|l| l.ip)
        .collect();
    println!(
        "parse only   {:.1} ms",
        best(&mut || parse(Format::Text, &bytes[..])
            .filter(|r| r.is_ok())
            .count())
    );
    println!(
        "parse+class  {:.1} ms",
        best(&mut || parse(Format::Text, &bytes[..])
            .flatten()
            .filter(|l| classify(l.ip).is_none())
            .count())
    );
    println!(
        "classify     {:.1} ms",
        best(&mut || ips.iter().filter(|ip| classify(**ip).is_none()).count())
    );
    println!(
        "lookup       {:.1} ms",
        best(&mut || {
            let mut c = vec![0u64; 16];
            for ip in &ips {
                if let Some((o, _)) = table.lookup(*ip) {
                    c[*o as usize] += 1;
                }
            }
            c
        })
    );
    println!(
        "all          {:.1} ms",
        best(&mut || {
            let mut c = vec![0u64; 16];
            let mut u = 0;
            for l in parse(Format::Text, &bytes[..]).flatten() {
                if classify(l.ip).is_some() {
                    u += 1;
                } else if let Some((o, _)) = table.lookup(l.ip) {
                    c[*o as usize] += 1;
                }
            }
            (c, u)
        })
    );
    let raw = |f: fn(&[u8]) -> Option<(u32, usize)>| {
        let mut pos = 0;
        let mut sum = 0u64;
        let mut n = 0;
        while pos < bytes.len() {
            match f(&bytes[pos..]) {
                Some((a, k)) => {
                    sum += a as u64;
                    pos += k;
                    n += 1;
                }
                None => {
                    pos += bytes[pos..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(bytes.len() - pos, |p| p + 1);
                }
            }
        }
        (sum, n)
    };
    println!("raw wide     {:.1} ms", best(&mut || raw(ipv4::text_line)));
    println!(
        "raw branchy  {:.1} ms",
        best(&mut || raw(|w| {
            let (a, n) = ipv4::v4_prefix(w)?;
            match w.get(n) {
                Some(b'\n') => Some((a, n + 1)),
                _ => None,
            }
        }))
    );
    let batch = |f: fn(&[u8]) -> Option<(u32, usize)>| {
        let mut sum = 0u64;
        let mut n = 0;
        let mut start = 0usize;
        let mut base = 0;
        while base < bytes.len() {
            let blk = &bytes[base..(base + 64).min(bytes.len())];
            let mut mask = 0u64;
            for (j, &b) in blk.iter().enumerate() {
                mask |= ((b == b'\n') as u64) << j;
            }
            while mask != 0 {
                let e = base + mask.trailing_zeros() as usize;
                mask &= mask - 1;
                match f(&bytes[start..]) {
                    Some((a, k)) if start + k == e + 1 => {
                        sum += a as u64;
                        n += 1;
                    }
                    _ => {}
                }
                start = e + 1;
            }
            base += 64;
        }
        (sum, n)
    };
    println!(
        "batch wide   {:.1} ms",
        best(&mut || batch(ipv4::text_line))
    );
    println!(
        "batch branchy {:.1} ms",
        best(&mut || batch(|w| {
            let (a, n) = ipv4::v4_prefix(w)?;
            match w.get(n) {
                Some(b'\n') => Some((a, n + 1)),
                _ => None,
            }
        }))
    );
    println!("raw swar     {:.1} ms", best(&mut || raw(swar_line)));
    for chunk in bytes.split_inclusive(|&b| b == b'\n') {
        let mut w = chunk.to_vec();
        w.extend_from_slice(&[0; 20]);
        assert_eq!(
            swar_line(&w),
            ipv4::text_line(&w),
            "{:?}",
            String::from_utf8_lossy(chunk)
        );
    }
    println!(
        "raw std      {:.1} ms",
        best(&mut || raw(|w| {
            let e = w.iter().position(|&b| b == b'\n')?;
            let a: std::net::Ipv4Addr = std::str::from_utf8(&w[..e]).ok()?.parse().ok()?;
            Some((u32::from(a), e + 1))
        }))
    );
    println!(
        "raw skip     {:.1} ms",
        best(&mut || raw(|w| {
            let e = w.iter().position(|&b| b == b'\n')?;
            Some((e as u32, e + 1))
        }))
    );
    println!(
        "count nl vec {:.1} ms",
        best(&mut || bytes.iter().filter(|&&b| b == b'\n').count())
    );
    println!(
        "sum bytes    {:.1} ms",
        best(&mut || bytes.iter().map(|&b| b as u64).sum::<u64>())
    );
    println!(
        "memchr lines {:.1} ms",
        best(&mut || bytes.split(|&b| b == b'\n').count())
    );
}
