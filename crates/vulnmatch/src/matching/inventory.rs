//! What the matcher is given about an asset: its OS, installed software,
//! modules, fixes and platforms.

use super::*;

/// An asset's operating system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Os {
    pub vendor: Option<String>,
    pub name: String,
    pub version: String,
    /// For Windows the build with its revision (`10.0.20348.2227`); it is the
    /// version that is matched when present.
    pub build: Option<String>,
    pub cpe: Option<Cpe23>,
}

/// What the matcher needs to know about one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    pub asset_id: i64,
    pub os: Option<Os>,
    pub software: Vec<Software>,
    /// Appliance modules (`LTM`, `APM`, …).
    pub modules: Vec<String>,
    /// Vendor hotfixes installed (`Hotfix-BIGIP-17.1.0.3.0.75.4-ENG`).
    pub hotfixes: Vec<String>,
    pub kbs: Vec<KbId>,
    /// Hardware or platform CPEs (for NVD's "running on" configurations).
    pub platforms: Vec<Cpe23>,
    pub internet_facing: bool,
    /// The information system's security level, 1–5.
    pub security_level: u8,
}

impl InventoryItem {
    pub const fn new(asset_id: i64) -> InventoryItem {
        InventoryItem {
            asset_id,
            os: None,
            software: Vec::new(),
            modules: Vec::new(),
            hotfixes: Vec::new(),
            kbs: Vec::new(),
            platforms: Vec::new(),
            internet_facing: false,
            security_level: 1,
        }
    }

    /// From a registry asset. The OS vendor is not recorded in the registry:
    /// the engine infers it from well-known names (`os`). The asset's
    /// hardware becomes a platform CPE (its own, or one made from its vendor
    /// and model as NVD names hardware), for NVD's "running on" (AND)
    /// configurations.
    pub fn from_asset(
        asset_id: i64,
        a: &AssetInput,
        internet_facing: bool,
        security_level: u8,
    ) -> InventoryItem {
        let os = a.os_name.as_ref().map(|name| Os {
            vendor: None,
            name: name.clone(),
            version: a.os_version.clone().unwrap_or_default(),
            build: a.os_build.clone(),
            cpe: None,
        });
        InventoryItem {
            asset_id,
            os,
            software: a.software.clone(),
            modules: a.modules.clone(),
            hotfixes: a.hotfixes.clone(),
            kbs: a.kbs.clone(),
            platforms: a
                .hardware
                .as_ref()
                .and_then(hardware_cpe)
                .into_iter()
                .collect(),
            internet_facing,
            security_level,
        }
    }

    /// As `from_asset`, taking the asset's lists rather than copying them
    /// (a matching run reads a hundred thousand assets).
    pub fn from_asset_owned(
        asset_id: i64,
        a: AssetInput,
        internet_facing: bool,
        security_level: u8,
    ) -> InventoryItem {
        let platforms = a
            .hardware
            .as_ref()
            .and_then(hardware_cpe)
            .into_iter()
            .collect();
        InventoryItem {
            asset_id,
            os: a.os_name.map(|name| Os {
                vendor: None,
                name,
                version: a.os_version.unwrap_or_default(),
                build: a.os_build,
                cpe: None,
            }),
            software: a.software,
            modules: a.modules,
            hotfixes: a.hotfixes,
            kbs: a.kbs,
            platforms,
            internet_facing,
            security_level,
        }
    }
}

/// The platform CPE of a piece of hardware: its own, or
/// `cpe:2.3:h:<vendor>:<model>:-:*:*:*:*:*:*:*` made as NVD names hardware
/// (lower case, spaces as `_`, CPE's special characters escaped; version
/// `-`, as NVD's hardware criteria have it).
pub fn hardware_cpe(h: &domain::Hardware) -> Option<Cpe23> {
    if let Some(c) = &h.cpe {
        return Some(c.clone());
    }
    fn part(s: &str) -> String {
        let mut out = String::new();
        for (i, w) in s.split_whitespace().enumerate() {
            if i > 0 {
                out.push('_');
            }
            for c in w.chars().flat_map(char::to_lowercase) {
                if !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        out
    }
    let (v, m) = (part(h.vendor.as_str()), part(h.model.as_str()));
    if v.is_empty() || m.is_empty() {
        return None;
    }
    format!("cpe:2.3:h:{v}:{m}:-:*:*:*:*:*:*:*").parse().ok()
}
