//! A dotted-quad reader over bytes for the common line shapes of big lists.
//!
//! It accepts exactly what `std`'s `Ipv4Addr` parser accepts: four decimal
//! octets of one to three digits, each at most 255, no sign, and no leading
//! zero (`010.1.1.1` is refused: some tools read `010` as octal 8, others as
//! decimal 10, so a list that writes it is ambiguous). Everything it does not
//! take goes to the general reader, which says what is wrong; the property
//! tests hold the two to the same answers.

/// The address at the start of `b` and the bytes it spans. What follows is
/// not looked at: the caller decides what may end an address.
#[inline]
pub(crate) fn v4_prefix(b: &[u8]) -> Option<(u32, usize)> {
    let mut addr = 0u32;
    let mut i = 0;
    for k in 0..4 {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let (octet, n) = octet(&b[i.min(b.len())..])?;
        addr = addr << 8 | octet;
        i += n;
    }
    Some((addr, i))
}

#[inline]
fn digit(b: Option<&u8>) -> Option<u32> {
    let d = b?.wrapping_sub(b'0');
    (d < 10).then_some(u32::from(d))
}

/// One octet at the start of `b`: up to three digits, no leading zero.
#[inline]
fn octet(b: &[u8]) -> Option<(u32, usize)> {
    let first = digit(b.first())?;
    let Some(second) = digit(b.get(1)) else {
        return Some((first, 1));
    };
    if first == 0 {
        return None;
    }
    let Some(third) = digit(b.get(2)) else {
        return Some((first * 10 + second, 2));
    };
    let v = first * 100 + second * 10 + third;
    // A fourth digit is left to the caller, for whom it is not a separator.
    (v <= 255).then_some((v, 3))
}

/// A text-list line that is exactly an address and its line break (`\n` or
/// `\r\n`): the address and the bytes of the line.
#[inline]
pub(crate) fn text_line(window: &[u8]) -> Option<(u32, usize)> {
    let (addr, n) = v4_prefix(window)?;
    match window.get(n) {
        Some(b'\n') => Some((addr, n + 1)),
        Some(b'\r') if window.get(n + 1) == Some(&b'\n') => Some((addr, n + 2)),
        _ => None,
    }
}

/// An IPsum line `address<TAB>count` and its line break.
#[inline]
pub(crate) fn ipsum_line(window: &[u8]) -> Option<(u32, usize)> {
    let (addr, n) = v4_prefix(window)?;
    if window.get(n) != Some(&b'\t') {
        return None;
    }
    let mut i = n + 1;
    let digits = i;
    while window.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    // A count of absurd length goes the general way, which has the line
    // length limit.
    if i == digits || i - digits > 20 {
        return None;
    }
    match window.get(i) {
        Some(b'\n') => Some((addr, i + 1)),
        Some(b'\r') if window.get(i + 1) == Some(&b'\n') => Some((addr, i + 2)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn exact(s: &str) -> Option<Ipv4Addr> {
        v4_prefix(s.as_bytes())
            .filter(|&(_, n)| n == s.len())
            .map(|(a, _)| Ipv4Addr::from(a))
    }

    #[test]
    fn same_as_std_on_hand_picked() {
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4",
            "010.1.1.1",
            "00.1.1.1",
            "1.2.3.04",
            "1.2.3.0400",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "+1.2.3.4",
            "1.2.3.4 ",
            "",
            "199.255.249.255",
            "100.200.250.260",
        ] {
            assert_eq!(exact(s), s.parse().ok(), "{s:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn same_as_std(s in "[0-9.]{0,20}") {
            prop_assert_eq!(exact(&s), s.parse().ok());
        }

        #[test]
        fn same_as_std_near_valid(a in "0{0,2}[0-9]{1,3}", b in "[0-9]{1,3}", c in "[0-9]{1,4}", d in "0?[0-9]{1,3}") {
            let s = format!("{a}.{b}.{c}.{d}");
            prop_assert_eq!(exact(&s), s.parse().ok());
        }

        #[test]
        fn wide_line_agrees_with_std(s in "[0-9.]{0,18}", end in prop_oneof![Just("\n"), Just("\r\n"), Just("\r"), Just(""), Just(" \n"), Just("0\n")], tail in "[0-9.\n]{0,8}") {
            // The first line of the window, if it is one address.
            let expect = |window: &str| {
                let line = &window[..window.find('\n')? + 1];
                let body = &line[..line.len() - 1];
                let body = body.strip_suffix('\r').unwrap_or(body);
                body.parse::<Ipv4Addr>().ok().map(|a| (u32::from(a), line.len()))
            };
            let line = format!("{s}{end}");
            let window = format!("{line}{tail}");
            prop_assert_eq!(text_line(window.as_bytes()), expect(&window));
            prop_assert_eq!(text_line(line.as_bytes()), expect(&line));
        }

        #[test]
        fn every_address_round_trips(x in any::<u32>()) {
            let s = Ipv4Addr::from(x).to_string();
            prop_assert_eq!(exact(&s), Some(Ipv4Addr::from(x)));
        }
    }
}
