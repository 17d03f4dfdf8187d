//! Information systems and their security level (Decree 85/2016).

use crate::net::serde_via_text;
use crate::org::Name;
use crate::text_enum::text_enum;
use crate::FieldErrors;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Security level 1–5 of Decree 85/2016/NĐ-CP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecurityLevel(u8);

impl SecurityLevel {
    pub fn new(n: u8) -> Result<Self, String> {
        if (1..=5).contains(&n) {
            Ok(SecurityLevel(n))
        } else {
            Err(format!("security level {n} is outside 1–5"))
        }
    }
    pub fn get(self) -> u8 {
        self.0
    }
}

impl FromStr for SecurityLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        // Agencies write "3", "Cấp độ 3" or "cấp 3".
        let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        let rest_ok = t
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<String>()
            .to_lowercase()
            .replace("cấp độ", "")
            .replace("cấp", "")
            .replace("level", "")
            .trim()
            .is_empty();
        match digits.parse::<u8>() {
            Ok(n) if rest_ok && digits.len() <= 3 => SecurityLevel::new(n),
            _ => Err(format!("'{t}' is not a security level (1–5)")),
        }
    }
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for SecurityLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for SecurityLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        u8::try_from(n)
            .map_err(|_| format!("security level {n} is outside 1–5"))
            .and_then(SecurityLevel::new)
            .map_err(serde::de::Error::custom)
    }
}

/// A system's code: letters, digits, dot, dash and underscore, at most 64.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SystemCode(String);

impl SystemCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for SystemCode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= 64
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if ok {
            Ok(SystemCode(t.to_string()))
        } else {
            Err(format!(
                "'{t}' is not a system code (1–64 letters, digits, '.', '-', '_')"
            ))
        }
    }
}

impl fmt::Display for SystemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

serde_via_text!(SystemCode);

text_enum! {
    /// The kinds of system named by Decree 85/2016, article 5.
    FunctionType {
        Internal => "internal", "Phục vụ hoạt động nội bộ", "Internal operations";
        PublicService => "public_service", "Phục vụ người dân, doanh nghiệp", "Public service";
        Infrastructure => "infrastructure", "Cơ sở hạ tầng thông tin", "Information infrastructure";
        IndustrialControl => "industrial_control", "Điều khiển công nghiệp", "Industrial control";
        Other => "other", "Khác", "Other";
    }
}

text_enum! {
    /// The kinds of information a system processes (Decree 85/2016, article 6).
    InfoType {
        Public => "public", "Thông tin công cộng", "Public";
        Personal => "personal", "Thông tin cá nhân", "Personal";
        Private => "private", "Thông tin riêng", "Private";
        StateSecret => "state_secret", "Bí mật nhà nước", "State secret";
    }
}

/// The decision that approved the security level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub number: Name,
    pub date: NaiveDate,
    pub body: Name,
}

/// The 4-layer protection model: on-site force, SOC monitoring, independent
/// assessment, connection to the national monitoring centre.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protection {
    #[serde(default)]
    pub onsite_force: bool,
    #[serde(default)]
    pub soc_monitoring: bool,
    /// Date of the last independent assessment; none means never assessed.
    #[serde(default)]
    pub last_assessment: Option<NaiveDate>,
    #[serde(default)]
    pub ncsc_connected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoSystemInput {
    pub code: SystemCode,
    pub name: Name,
    pub owner_org_id: i64,
    #[serde(default)]
    pub operator_org_id: Option<i64>,
    pub function_type: FunctionType,
    #[serde(default)]
    pub info_types: Vec<InfoType>,
    #[serde(default)]
    pub data_subjects: Option<u64>,
    #[serde(default)]
    pub proposed_level: Option<SecurityLevel>,
    #[serde(default)]
    pub approved_level: Option<SecurityLevel>,
    #[serde(default)]
    pub approval: Option<Approval>,
    #[serde(default)]
    pub internet_facing: bool,
    #[serde(default)]
    pub soc_provider_id: Option<i64>,
    #[serde(default)]
    pub isp_id: Option<i64>,
    #[serde(default)]
    pub protection: Protection,
    #[serde(default)]
    pub notes: Option<String>,
}

impl InfoSystemInput {
    /// Rules across fields that single-field types cannot carry.
    pub fn cross_field_problems(&self, today: NaiveDate) -> FieldErrors {
        let mut errs = FieldErrors::default();
        if self.approved_level.is_some() && self.approval.is_none() {
            errs.push(
                "approval",
                "an approved level needs the approval decision (number, date, body)",
            );
        }
        if let Some(a) = &self.approval {
            if a.date > today {
                errs.push("approval.date", "the approval date is in the future");
            }
        }
        if let Some(d) = self.protection.last_assessment {
            if d > today {
                errs.push(
                    "protection.last_assessment",
                    "the assessment date is in the future",
                );
            }
        }
        errs
    }

    /// The level that governs protection: the approved one, else the proposed.
    pub fn effective_level(&self) -> Option<SecurityLevel> {
        self.approved_level.or(self.proposed_level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!("3".parse::<SecurityLevel>().unwrap().get(), 3);
        assert_eq!("Cấp độ 4".parse::<SecurityLevel>().unwrap().get(), 4);
        assert!("7".parse::<SecurityLevel>().unwrap_err().contains("1–5"));
        assert!("0".parse::<SecurityLevel>().is_err());
        assert!("three".parse::<SecurityLevel>().is_err());
        assert!(serde_json::from_str::<SecurityLevel>("7").is_err());
        assert!(serde_json::from_str::<SecurityLevel>("-1").is_err());
    }

    #[test]
    fn codes() {
        assert!("QNG-DVC.01".parse::<SystemCode>().is_ok());
        assert!("has space".parse::<SystemCode>().is_err());
    }

    proptest::proptest! {
        #[test]
        fn level_parse_never_panics(s in ".{0,20}") {
            let _ = s.parse::<SecurityLevel>();
        }
    }
}
