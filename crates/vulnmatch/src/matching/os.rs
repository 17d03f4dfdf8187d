//! An operating system as a product: its vendor (inferred for well-known
//! names), the CPE names NVD gives it and the product names the vendors'
//! CNAs give it, from what an inventory records (`os_name`, `os_version`,
//! `os_build`).
//!
//! Windows follows NVD's real naming: since 2023 one product per release,
//! `cpe:2.3:o:microsoft:windows_10_22h2:…` / `windows_11_23h2` /
//! `windows_server_2022` / `windows_server_2012_r2` / `windows_server_2022_23h2`
//! with the build as version (ranges `versionEndExcluding 10.0.19045.4780`),
//! and before that the release as a literal version (`windows_10:21h2`,
//! `windows_server_2012:r2`, `windows_server_2008:r2:sp1`). Microsoft's CNA
//! names `Windows 10 Version 22H2` (older records add ` for x64-based
//! Systems`), `Windows 11 version 23H2`, `Windows Server 2022`, `… (Server
//! Core installation)`. The release of Windows 10/11 is taken from
//! `os_version` (`22H2`, `1809`) or else from the build number, by
//! Microsoft's published table of release builds.

use super::*;

/// What the engine reads of an OS.
#[derive(Debug, Clone, Default)]
pub(super) struct OsReading {
    /// The vendor as CNAs write it (`Microsoft`), when known or inferred.
    pub(super) vendor: Option<&'static str>,
    /// Other product names of the same OS, as CNAs write them.
    pub(super) aliases: Vec<String>,
    /// CPE names (part `o`): vendor, product, and the version (the build,
    /// or a literal release such as `r2`) with an update when known.
    pub(super) cpes: Vec<(&'static str, String, String, Option<&'static str>)>,
    /// Why nothing could be read, for `unmatched_facts`.
    pub(super) unmatched: Option<Unmatched>,
}

/// Why an asset's fact cannot take part in matching, for its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    /// An OS name no rule maps, with no vendor or CPE recorded.
    OsWithoutVendor { name: String },
    /// A Windows 10/11 whose release (22H2, …) cannot be told.
    WindowsRelease { generation: String },
    /// A Windows name that is not a release the engine maps.
    UnknownWindows { name: String },
}

impl Unmatched {
    pub fn message_vi(&self) -> String {
        match self {
            Unmatched::OsWithoutVendor { name } => format!(
                "Hệ điều hành «{name}»: chưa ghi nhà cung cấp hay CPE và tên này không khớp quy tắc nào, nên các bản ghi lỗ hổng không nhận ra được (hãy ghi nhà cung cấp hoặc CPE)"
            ),
            Unmatched::WindowsRelease { generation } => format!(
                "Hệ điều hành «Windows {generation}»: chưa ghi phiên bản phát hành (22H2, 1809, …) hay bản dựng đã biết, nên không chọn được dòng sản phẩm để đối chiếu"
            ),
            Unmatched::UnknownWindows { name } => format!(
                "Hệ điều hành «Windows {name}»: không phải bản Windows mà canhgac đối chiếu được với tên sản phẩm của NVD và Microsoft; hãy ghi CPE"
            ),
        }
    }
    pub fn message_en(&self) -> String {
        match self {
            Unmatched::OsWithoutVendor { name } => format!(
                "operating system '{name}': no vendor or CPE is recorded and no rule maps this name to one, so records cannot name it (give its vendor or CPE)"
            ),
            Unmatched::WindowsRelease { generation } => format!(
                "operating system 'Windows {generation}': neither its release (22H2, 1809, …) nor a known build is recorded, so no product line can be chosen"
            ),
            Unmatched::UnknownWindows { name } => format!(
                "operating system 'Windows {name}': not a Windows release canhgac can map to NVD's and Microsoft's product names; give its CPE"
            ),
        }
    }
}

impl std::fmt::Display for Unmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en())
    }
}

/// Well-known OS names (normalised, the name starting with them): the
/// vendor as CNAs write it, and NVD's CPE vendor and product.
const KNOWN: &[(&str, &str, &str, &str)] = &[
    ("ubuntu", "Canonical", "canonical", "ubuntu_linux"),
    ("debian", "Debian", "debian", "debian_linux"),
    (
        "red hat enterprise linux",
        "Red Hat",
        "redhat",
        "enterprise_linux",
    ),
    ("rhel", "Red Hat", "redhat", "enterprise_linux"),
    ("centos", "CentOS", "centos", "centos"),
    ("rocky linux", "Rocky Linux", "rockylinux", "rocky_linux"),
    ("almalinux", "AlmaLinux", "almalinux", "almalinux"),
    ("oracle linux", "Oracle", "oracle", "linux"),
    (
        "suse linux enterprise server",
        "SUSE",
        "suse",
        "linux_enterprise_server",
    ),
    ("fortios", "Fortinet", "fortinet", "fortios"),
    ("pan-os", "Palo Alto Networks", "paloaltonetworks", "pan-os"),
    ("junos", "Juniper Networks", "juniper", "junos"),
    ("cisco ios xe", "Cisco", "cisco", "ios_xe"),
    ("ios xe", "Cisco", "cisco", "ios_xe"),
    ("cisco ios", "Cisco", "cisco", "ios"),
    ("nx-os", "Cisco", "cisco", "nx-os"),
    ("macos", "Apple", "apple", "macos"),
    ("vmware esxi", "VMware", "vmware", "esxi"),
    ("esxi", "VMware", "vmware", "esxi"),
    ("freebsd", "FreeBSD", "freebsd", "freebsd"),
    ("android", "Google", "google", "android"),
];

/// Windows 10 and 11 releases by build number (Microsoft's release
/// information): the release as NVD and the CNA name it.
const WINDOWS_RELEASES: &[(&str, u32, &str)] = &[
    ("10", 10240, "1507"),
    ("10", 10586, "1511"),
    ("10", 14393, "1607"),
    ("10", 15063, "1703"),
    ("10", 16299, "1709"),
    ("10", 17134, "1803"),
    ("10", 17763, "1809"),
    ("10", 18362, "1903"),
    ("10", 18363, "1909"),
    ("10", 19041, "2004"),
    ("10", 19042, "20H2"),
    ("10", 19043, "21H1"),
    ("10", 19044, "21H2"),
    ("10", 19045, "22H2"),
    ("11", 22000, "21H2"),
    ("11", 22621, "22H2"),
    ("11", 22631, "23H2"),
    ("11", 26100, "24H2"),
];

const ARCHS: &[&str] = &["x64-based Systems", "32-bit Systems", "ARM64-based Systems"];

/// The build number of a Windows build (`10.0.19045.4651` → 19045).
fn build_number(build: &str) -> Option<u32> {
    build.trim().split('.').nth(2)?.parse().ok()
}

/// A Windows 10/11 release as written (`22H2`, `Version 22H2`, `1809`).
fn release_of(s: &str) -> Option<String> {
    let t = norm(s);
    let t = t.strip_prefix("version ").unwrap_or(&t).trim();
    let ok = (t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()))
        || (t.len() == 4
            && t.as_bytes()[2].eq_ignore_ascii_case(&b'h')
            && t.bytes()
                .enumerate()
                .all(|(i, b)| i == 2 || b.is_ascii_digit()));
    ok.then(|| t.to_ascii_uppercase())
}

/// Reads an OS as recorded.
pub(super) fn read_os(os: &Os) -> OsReading {
    let name = norm(&os.name);
    let name = name.strip_prefix("microsoft ").unwrap_or(&name).to_string();
    let version = os.version.trim();
    let build = os.build.as_deref().map(str::trim).filter(|b| !b.is_empty());
    let mut r = OsReading::default();
    if let Some(rest) = name.strip_prefix("windows ") {
        r.vendor = Some("Microsoft");
        read_windows(rest, version, build, &mut r);
        return r;
    }
    if let Some((_, shown, cpe_vendor, cpe_product)) = KNOWN
        .iter()
        .find(|(k, ..)| name == *k || name.starts_with(&format!("{k} ")))
    {
        r.vendor = Some(shown);
        // `22.04 LTS` → `22.04`.
        let v = version.split_whitespace().next().unwrap_or("");
        if !v.is_empty() {
            r.cpes
                .push((cpe_vendor, cpe_product.to_string(), v.to_string(), None));
        }
        return r;
    }
    if os.vendor.as_deref().is_none_or(|v| v.trim().is_empty()) && os.cpe.is_none() {
        r.unmatched = Some(Unmatched::OsWithoutVendor {
            name: os.name.trim().to_string(),
        });
    }
    r
}

fn read_windows(rest: &str, version: &str, build: Option<&str>, r: &mut OsReading) {
    let words: Vec<&str> = rest.split(' ').collect();
    let core = words.contains(&"core");
    let bn = build.and_then(build_number);
    let b = build.unwrap_or(version).to_string();
    match words.as_slice() {
        [gen @ ("10" | "11"), more @ ..] => {
            // The release: in the name, the version, or by the build.
            let named = more
                .iter()
                .find_map(|w| release_of(w))
                .or_else(|| release_of(version));
            let by_build = bn.and_then(|n| {
                WINDOWS_RELEASES
                    .iter()
                    .find(|(g, num, _)| g == gen && *num == n)
                    .map(|(_, _, rel)| rel.to_string())
            });
            let Some(rel) = named.or(by_build) else {
                r.unmatched = Some(Unmatched::WindowsRelease {
                    generation: gen.to_string(),
                });
                return;
            };
            let base = format!("Windows {gen} Version {rel}");
            for a in ARCHS {
                r.aliases.push(format!("{base} for {a}"));
            }
            r.aliases.push(base);
            let rel_l = rel.to_ascii_lowercase();
            if build.is_some() {
                r.cpes
                    .push(("microsoft", format!("windows_{gen}_{rel_l}"), b, None));
            }
            r.cpes
                .push(("microsoft", format!("windows_{gen}"), rel_l, None));
        }
        ["server", year @ ("2008" | "2012" | "2016" | "2019" | "2022" | "2025"), more @ ..] => {
            let r2 = more.first() == Some(&"r2");
            let sp = more
                .iter()
                .chain(version.split_whitespace().collect::<Vec<_>>().iter())
                .any(|w| w.eq_ignore_ascii_case("sp1") || *w == "1")
                .then_some("sp1");
            let edition_23h2 = *year == "2022" && (bn == Some(25398) || more.contains(&"23h2"));
            let mut name = format!("Windows Server {year}");
            if r2 {
                name.push_str(" R2");
            }
            if edition_23h2 {
                name.push_str(", 23H2 Edition");
            }
            let mut names = vec![name.clone()];
            if r2 && *year == "2008" {
                names.push(format!("{name} Service Pack 1"));
                names.push(format!("{name} for x64-based Systems Service Pack 1"));
            }
            for n in names {
                if core || edition_23h2 {
                    r.aliases.push(format!("{n} (Server Core installation)"));
                }
                if !edition_23h2 {
                    r.aliases.push(n);
                }
            }
            let product = match (r2, edition_23h2) {
                (true, _) => format!("windows_server_{year}_r2"),
                (_, true) => format!("windows_server_{year}_23h2"),
                _ => format!("windows_server_{year}"),
            };
            if build.is_some() || !version.is_empty() {
                r.cpes.push(("microsoft", product, b, None));
            }
            if r2 {
                r.cpes.push((
                    "microsoft",
                    format!("windows_server_{year}"),
                    "r2".into(),
                    sp,
                ));
            }
        }
        _ => {
            r.unmatched = Some(Unmatched::UnknownWindows {
                name: rest.to_string(),
            });
        }
    }
}

/// The facts of an asset that no rule can map to the names records use,
/// each with the reason (for the asset's page): today the OS, when its
/// name is not one the engine knows and no vendor or CPE is recorded, or a
/// Windows whose release cannot be told.
pub fn unmatched_facts(item: &InventoryItem) -> Vec<Unmatched> {
    item.os
        .iter()
        .filter(|os| os.cpe.is_none())
        .filter_map(|os| read_os(os).unmatched)
        .collect()
}
