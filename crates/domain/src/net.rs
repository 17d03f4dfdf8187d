//! Addresses as the registry holds them.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address block with its host bits zero. A bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, String> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(format!("prefix /{prefix} is longer than {max} bits"));
        }
        let network = mask(addr, prefix);
        if network != addr {
            return Err(format!(
                "{addr}/{prefix} has host bits set; the block is {network}/{prefix}"
            ));
        }
        Ok(Self { addr, prefix })
    }
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::V6((bits & m).into())
        }
    }
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let (addr_text, prefix) = match t.split_once('/') {
            Some((a, p)) => {
                let prefix: u8 = p
                    .parse()
                    .map_err(|_| format!("'{t}': prefix length '{p}' is not a number"))?;
                (a, Some(prefix))
            }
            None => (t, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("'{t}' is not an IPv4 or IPv6 address block"))?;
        let prefix = prefix.unwrap_or(if addr.is_ipv4() { 32 } else { 128 });
        Cidr::new(addr, prefix).map_err(|e| format!("'{t}': {e}"))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// An autonomous system number, written `AS7552` or `7552`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Asn(pub u32);

impl FromStr for Asn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let digits = t
            .strip_prefix("AS")
            .or_else(|| t.strip_prefix("as"))
            .unwrap_or(t);
        digits
            .parse::<u32>()
            .map(Asn)
            .map_err(|_| format!("'{t}' is not an AS number (e.g. AS7552)"))
    }
}

impl fmt::Display for Asn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AS{}", self.0)
    }
}

/// Parses a single address, naming the offending text.
pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    let t = s.trim();
    t.parse()
        .map_err(|_| format!("'{t}' is not an IPv4 or IPv6 address"))
}

macro_rules! serde_via_text {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_via_text;

serde_via_text!(Cidr);
serde_via_text!(Asn);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parses_and_rejects() {
        assert_eq!(
            "203.113.128.0/18".parse::<Cidr>().unwrap().to_string(),
            "203.113.128.0/18"
        );
        assert_eq!("1.2.3.4".parse::<Cidr>().unwrap().prefix(), 32);
        assert_eq!("2001:db8::/32".parse::<Cidr>().unwrap().prefix(), 32);
        let e = "10.0.0.1/24".parse::<Cidr>().unwrap_err();
        assert!(e.contains("10.0.0.0/24"), "{e}");
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("10.0.0.300/24".parse::<Cidr>().is_err());
        assert!("".parse::<Cidr>().is_err());
    }

    #[test]
    fn cidr_contains() {
        let c: Cidr = "14.160.0.0/11".parse().unwrap();
        assert!(c.contains("14.191.255.255".parse().unwrap()));
        assert!(!c.contains("14.192.0.0".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn asn_parses() {
        assert_eq!("AS7552".parse::<Asn>().unwrap(), Asn(7552));
        assert_eq!("45899".parse::<Asn>().unwrap(), Asn(45899));
        assert!("ASX".parse::<Asn>().is_err());
    }

    proptest::proptest! {
        #[test]
        fn cidr_never_panics(s in ".{0,60}") {
            let _ = s.parse::<Cidr>();
        }

        #[test]
        fn cidr_display_round_trips(a in proptest::prelude::any::<u32>(), p in 0u8..=32) {
            let addr = mask(IpAddr::V4(a.into()), p);
            let c = Cidr::new(addr, p).unwrap();
            proptest::prop_assert_eq!(c.to_string().parse::<Cidr>().unwrap(), c);
        }
    }
}
