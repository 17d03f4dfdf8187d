//! Organisations of the province and the people to call there.

use crate::net::{serde_via_text, Asn, Cidr};
use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

text_enum! {
    /// What kind of body an organisation is; it decides what it may see.
    OrgType {
        Coordinator => "coordinator", "Cơ quan điều phối", "Coordinator";
        Agency => "agency", "Sở, ban, ngành", "Agency";
        // The district tier was abolished on 1 July 2025; kept for a
        // province's records from before.
        District => "district", "UBND cấp huyện (trước 01/7/2025)", "District committee (before 1 July 2025)";
        Commune => "commune", "UBND xã, phường", "Commune or ward committee";
        Isp => "isp", "Doanh nghiệp viễn thông", "Telecom operator";
        Soc => "soc", "Đơn vị giám sát (SOC)", "SOC provider";
        National => "national", "Cơ quan quốc gia", "National body";
        // A provincial body that works with the coordinator without being
        // supervised by it, e.g. the provincial police's cyber-security unit.
        Partner => "partner", "Cơ quan phối hợp", "Partner body";
    }
}

impl OrgType {
    /// Service providers and national bodies form a directory every user may
    /// read, so an agency can name its ISP and SOC without seeing other agencies.
    pub fn is_directory(self) -> bool {
        matches!(
            self,
            OrgType::Coordinator
                | OrgType::Isp
                | OrgType::Soc
                | OrgType::National
                | OrgType::Partner
        )
    }
}

/// Required free text: trimmed, not empty, at most 300 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(String);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Name {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("must not be empty".into());
        }
        if t.chars().count() > 300 {
            return Err("is longer than 300 characters".into());
        }
        if t.chars().any(|c| c.is_control()) {
            return Err("contains control characters".into());
        }
        Ok(Name(t.to_string()))
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address in the plain `local@domain.tld` form official mail uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Email {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let bad = || format!("'{t}' is not an e-mail address");
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.chars().any(|c| c.is_whitespace() || c == '@');
        if !domain_ok || !local_ok || t.len() > 254 {
            return Err(bad());
        }
        Ok(Email(t.to_ascii_lowercase()))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A telephone number as people write it: digits with spaces, dots, dashes,
/// brackets and a leading plus; 6 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl FromStr for Phone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
        let shape_ok = t
            .chars()
            .all(|c| c.is_ascii_digit() || " .-()+".contains(c));
        if !shape_ok || !(6..=15).contains(&digits) {
            return Err(format!("'{t}' is not a telephone number"));
        }
        Ok(Phone(t.to_string()))
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_via_text!(Name);
serde_via_text!(Email);
serde_via_text!(Phone);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

/// What is needed to create or replace an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgInput {
    pub name: Name,
    pub short_name: Name,
    pub org_type: OrgType,
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// The 24/7 contact point the directives require every unit to name.
    #[serde(default)]
    pub contact_24x7: Option<Contact>,
    #[serde(default)]
    pub address_blocks: Vec<Cidr>,
    #[serde(default)]
    pub asns: Vec<Asn>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_contacts() {
        assert!("  ".parse::<Name>().is_err());
        assert_eq!(
            " Sở Thông tin và Truyền thông "
                .parse::<Name>()
                .unwrap()
                .as_str(),
            "Sở Thông tin và Truyền thông"
        );
        assert!("a@b".parse::<Email>().is_err());
        assert_eq!(
            "CanhGac@QuangNgai.gov.vn"
                .parse::<Email>()
                .unwrap()
                .as_str(),
            "canhgac@quangngai.gov.vn"
        );
        assert!("0255 3822 xyz".parse::<Phone>().is_err());
        assert!("0255.3822.668".parse::<Phone>().is_ok());
        assert_eq!("isp".parse::<OrgType>().unwrap(), OrgType::Isp);
        assert_eq!(
            "Sở, ban, ngành".parse::<OrgType>().unwrap(),
            OrgType::Agency
        );
        assert!("bank"
            .parse::<OrgType>()
            .unwrap_err()
            .contains("coordinator"));
    }
}
