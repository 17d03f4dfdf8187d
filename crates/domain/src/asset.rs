//! Assets of an information system: hosts, appliances and what runs on them.

use crate::net::serde_via_text;
use crate::org::Name;
use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

text_enum! {
    AssetRole {
        Server => "server", "Máy chủ", "Server";
        Workstation => "workstation", "Máy trạm", "Workstation";
        Appliance => "appliance", "Thiết bị chuyên dụng", "Appliance";
        Network => "network", "Thiết bị mạng", "Network device";
        Database => "database", "Cơ sở dữ liệu", "Database";
        Other => "other", "Khác", "Other";
    }
}

text_enum! {
    /// How a product's versions are ordered; the vulnerability matcher needs it.
    VersionScheme {
        Semver => "semver", "Semver", "Semver";
        Deb => "deb", "Debian", "Debian";
        Rpm => "rpm", "RPM", "RPM";
        Dotted => "dotted", "Số hiệu nhà cung cấp", "Vendor dotted";
        Other => "other", "Khác", "Other";
    }
}

/// A DNS name, lower-cased, at least two labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DomainName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = t.split('.').collect();
        if t.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
            return Err(format!("'{}' is not a domain name", s.trim()));
        }
        Ok(DomainName(t))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Microsoft knowledge-base update, canonically `KB5034441`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KbId(String);

impl FromStr for KbId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let digits = t
            .strip_prefix("KB")
            .or_else(|| t.strip_prefix("kb"))
            .unwrap_or(t);
        if (6..=8).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(KbId(format!("KB{digits}")))
        } else {
            Err(format!("'{t}' is not a KB number (e.g. KB5034441)"))
        }
    }
}

impl fmt::Display for KbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CPE 2.3 formatted string: `cpe:2.3:part:vendor:product:version:…`, 13 parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpe23(String);

impl Cpe23 {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 11 attribute values after `cpe:2.3:`, with escapes left as written.
    pub fn attributes(&self) -> Vec<&str> {
        split_unescaped(&self.0).into_iter().skip(2).collect()
    }
}

fn split_unescaped(s: &str) -> Vec<&str> {
    let mut parts = Vec::with_capacity(13);
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

impl FromStr for Cpe23 {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let parts = split_unescaped(t);
        let ok = parts.len() == 13
            && parts[0] == "cpe"
            && parts[1] == "2.3"
            && matches!(parts[2], "a" | "o" | "h" | "*")
            && parts[3..].iter().all(|p| !p.is_empty())
            && !t.chars().any(|c| c.is_whitespace());
        if ok {
            Ok(Cpe23(t.to_string()))
        } else {
            Err(format!(
                "'{t}' is not a CPE 2.3 name (cpe:2.3:part:vendor:product:version and 7 more fields)"
            ))
        }
    }
}

impl fmt::Display for Cpe23 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_via_text!(DomainName);
serde_via_text!(KbId);
serde_via_text!(Cpe23);

/// One installed product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Software {
    pub vendor: Name,
    pub product: Name,
    pub version: Name,
    #[serde(default = "default_scheme", deserialize_with = "scheme_loose")]
    pub scheme: VersionScheme,
    #[serde(default)]
    pub cpe: Option<Cpe23>,
}

fn default_scheme() -> VersionScheme {
    VersionScheme::Other
}

impl VersionScheme {
    /// A scheme by the names people use: the codes, the labels, and
    /// `vendor-dotted`/`vendor` for dotted, `debian`/`dpkg` for deb,
    /// `semantic` for semver. The error lists what is accepted.
    pub fn parse_loose(text: &str) -> Result<VersionScheme, String> {
        let t = text.trim().to_lowercase().replace(['_', ' '], "-");
        match t.as_str() {
            "vendor-dotted" | "vendor" | "dotted" => Ok(VersionScheme::Dotted),
            "deb" | "debian" | "dpkg" => Ok(VersionScheme::Deb),
            "rpm" | "redhat" => Ok(VersionScheme::Rpm),
            "semver" | "semantic" | "semantic-versioning" => Ok(VersionScheme::Semver),
            "other" | "khác" => Ok(VersionScheme::Other),
            _ => text.parse().map_err(|_| {
                format!(
                    "'{}' is not a version scheme: semver, deb (debian), rpm, dotted (vendor, vendor-dotted) or other",
                    text.trim()
                )
            }),
        }
    }
}

fn scheme_loose<'de, D: serde::Deserializer<'de>>(d: D) -> Result<VersionScheme, D::Error> {
    let s = String::deserialize(d)?;
    VersionScheme::parse_loose(&s).map_err(serde::de::Error::custom)
}

impl FromStr for Software {
    type Err = String;
    /// The one-cell form used in spreadsheets: `vendor|product|version[|scheme[|cpe]]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('|').map(str::trim).collect();
        if !(3..=5).contains(&parts.len()) {
            return Err(format!(
                "'{}' is not vendor|product|version[|scheme[|cpe]]",
                s.trim()
            ));
        }
        let field = |i: usize, what: &str| -> Result<Name, String> {
            parts[i].parse().map_err(|e| format!("{what} {e}"))
        };
        Ok(Software {
            vendor: field(0, "vendor")?,
            product: field(1, "product")?,
            version: field(2, "version")?,
            scheme: match parts.get(3) {
                Some(p) if !p.is_empty() => VersionScheme::parse_loose(p)?,
                _ => VersionScheme::Other,
            },
            cpe: match parts.get(4) {
                Some(p) if !p.is_empty() => Some(p.parse()?),
                _ => None,
            },
        })
    }
}

impl fmt::Display for Software {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}|{}|{}|{}",
            self.vendor, self.product, self.version, self.scheme
        )?;
        if let Some(c) = &self.cpe {
            write!(f, "|{c}")?;
        }
        Ok(())
    }
}

/// The device a firmware or an operating system runs on — NVD's "running
/// on/with" platform in its AND configurations (a FortiGate 100F under
/// FortiOS, a Cisco ASA 5506-X under ASA software).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hardware {
    pub vendor: Name,
    pub model: Name,
    /// A CPE 2.3 of part `h` when known.
    #[serde(default)]
    pub cpe: Option<Cpe23>,
}

impl FromStr for Hardware {
    type Err = String;
    /// The one-cell form used in spreadsheets: `vendor|model[|cpe]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split('|').map(str::trim).collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(format!("'{}' is not vendor|model[|cpe]", s.trim()));
        }
        let cpe: Option<Cpe23> = match parts.get(2) {
            Some(p) if !p.is_empty() => Some(p.parse()?),
            _ => None,
        };
        if let Some(c) = &cpe {
            if c.attributes()[0] != "h" {
                return Err(format!("'{c}' is not a hardware CPE (part h)"));
            }
        }
        Ok(Hardware {
            vendor: parts[0].parse().map_err(|e| format!("vendor {e}"))?,
            model: parts[1].parse().map_err(|e| format!("model {e}"))?,
            cpe,
        })
    }
}

impl fmt::Display for Hardware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", self.vendor, self.model)?;
        if let Some(c) = &self.cpe {
            write!(f, "|{c}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetInput {
    pub system_id: i64,
    pub hostname: Name,
    pub role: AssetRole,
    #[serde(default)]
    pub ips: Vec<IpAddr>,
    #[serde(default)]
    pub domains: Vec<DomainName>,
    #[serde(default)]
    pub os_name: Option<String>,
    #[serde(default)]
    pub os_version: Option<String>,
    /// For Windows, the build with its update revision, e.g. `10.0.20348.2227`.
    #[serde(default)]
    pub os_build: Option<String>,
    /// The device the asset is (or its firmware runs on).
    #[serde(default)]
    pub hardware: Option<Hardware>,
    #[serde(default)]
    pub software: Vec<Software>,
    /// Appliance modules, e.g. BIG-IP `LTM`, `ASM`, `APM`.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Vendor hotfixes installed on an appliance, e.g. `Hotfix-BIGIP-17.1.0.3.0.75.4-ENG`.
    #[serde(default)]
    pub hotfixes: Vec<String>,
    #[serde(default)]
    pub kbs: Vec<KbId>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            "Portal.QuangNgai.gov.vn."
                .parse::<DomainName>()
                .unwrap()
                .as_str(),
            "portal.quangngai.gov.vn"
        );
        assert!("localhost".parse::<DomainName>().is_err());
        assert!("bad_domain.vn".parse::<DomainName>().is_err());
        assert_eq!(
            "kb5034441".parse::<KbId>().unwrap().to_string(),
            "KB5034441"
        );
        assert!("KB12".parse::<KbId>().is_err());
        let cpe: Cpe23 = "cpe:2.3:a:f5:big-ip_local_traffic_manager:17.1.0:*:*:*:*:*:*:*"
            .parse()
            .unwrap();
        assert_eq!(cpe.attributes()[1], "f5");
        assert!("cpe:2.3:a:f5".parse::<Cpe23>().is_err());
        assert!(r"cpe:2.3:a:vendor:prod\:uct:1.0:*:*:*:*:*:*:*"
            .parse::<Cpe23>()
            .is_ok());
        let sw: Software = "Apache|HTTP Server|2.4.49|semver".parse().unwrap();
        assert_eq!(sw.scheme, VersionScheme::Semver);
        assert_eq!(sw.to_string().parse::<Software>().unwrap(), sw);
        assert!("Apache|HTTP Server".parse::<Software>().is_err());
        for (name, want) in [
            ("vendor-dotted", VersionScheme::Dotted),
            ("Vendor", VersionScheme::Dotted),
            ("dotted", VersionScheme::Dotted),
            ("debian", VersionScheme::Deb),
            ("deb", VersionScheme::Deb),
            ("RPM", VersionScheme::Rpm),
            ("semver", VersionScheme::Semver),
        ] {
            let sw: Software = format!("F5|BIG-IP|17.1.0|{name}").parse().unwrap();
            assert_eq!(sw.scheme, want, "{name}");
        }
        let e = "F5|BIG-IP|17.1.0|calver".parse::<Software>().unwrap_err();
        assert!(e.contains("vendor-dotted") && e.contains("debian"), "{e}");
        let sw: Software = serde_json::from_str(
            r#"{"vendor":"F5","product":"BIG-IP","version":"17.1.0","scheme":"vendor-dotted"}"#,
        )
        .unwrap();
        assert_eq!(sw.scheme, VersionScheme::Dotted);
        let hw: Hardware =
            "Fortinet|FortiGate 100F|cpe:2.3:h:fortinet:fortigate_100f:-:*:*:*:*:*:*:*"
                .parse()
                .unwrap();
        assert_eq!(hw.to_string().parse::<Hardware>().unwrap(), hw);
        assert!(
            "Fortinet|FortiGate|cpe:2.3:o:fortinet:fortios:7.2.5:*:*:*:*:*:*:*"
                .parse::<Hardware>()
                .is_err()
        );
        assert!("Fortinet".parse::<Hardware>().is_err());
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in ".{0,80}") {
            let _ = s.parse::<Cpe23>();
            let _ = s.parse::<Software>();
            let _ = s.parse::<DomainName>();
            let _ = s.parse::<KbId>();
            let _ = s.parse::<Hardware>();
        }
    }
}
