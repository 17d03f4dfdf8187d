//! Hosts and appliances, with the operating systems, builds, updates and
//! products a scan of a provincial network really finds.
//!
//! Product names and CPE 2.3 names follow the NVD dictionary, and the
//! versions are chosen against the ranges of the records in the shared
//! `data/nvd` and `data/cve5` folders, so the vulnerability matcher finds
//! real CVEs here and also meets patched versions it must leave alone.

use crate::ipspace::{AddressPlan, Isp};
use domain::asset::Cpe23;
use domain::{AssetInput, AssetRole, Cidr, KbId, Software, VersionScheme};
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// How an asset is built. Version lists are choices the seed picks from.
#[derive(Debug, Clone, Copy)]
pub enum Recipe {
    Nginx,
    Apache,
    /// Self-compiled Apache 2.4.49, the release of CVE-2021-41773.
    Apache2449,
    /// Windows Server running an IIS application.
    Iis,
    /// Java application on Tomcat, with the Log4j it bundles.
    JavaApp(&'static [&'static str]),
    Postgres,
    Mysql,
    SqlServer,
    Exchange(Exchange),
    Workstations(u8, Office),
    /// Windows workstations running a desktop accounting package.
    Accounting(u8),
    BigIp {
        versions: &'static [&'static str],
        modules: &'static [&'static str],
        hotfix: Hotfix,
    },
    FortiGate(&'static [&'static str]),
    NetScaler(&'static str),
    PanOs(&'static str),
    Switch,
    Esxi,
    Confluence,
    WordPress,
    VideoBridge,
    FileServer,
    Sensor,
    Camera,
}

#[derive(Debug, Clone, Copy)]
pub enum Exchange {
    E2019Cu11,
    E2016Cu19,
}

#[derive(Debug, Clone, Copy)]
pub enum Office {
    /// Whatever each office bought over the years.
    Mixed,
    /// Office 2016 with Outlook 2016 on every machine.
    Office2016,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hotfix {
    None,
    /// The engineering hotfix F5 published for CVE-2023-46747 is installed.
    Installed,
    /// One unit of an HA pair often lags the other; the seed decides.
    Maybe,
}

/// Log4j versions after the Log4Shell fixes.
pub const LOG4J_PATCHED: &[&str] = &["2.17.1", "2.17.2", "2.20.0", "2.23.1"];

/// Where a system's assets live.
pub struct Site {
    /// Hostname stem, e.g. `stc-ngansach`.
    pub tag: String,
    /// Blocks its public hosts take addresses from; empty means the
    /// operator's hosting space.
    pub public_blocks: Vec<Cidr>,
    pub isp: Isp,
    /// The owner's office gateway, where its workstations appear.
    pub office_gateway: Option<IpAddr>,
    pub domains: Vec<String>,
    pub internet_facing: bool,
}

fn cpe(part: char, vendor: &str, product: &str, version: &str, update: &str) -> String {
    format!("cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*")
}

fn sw(
    vendor: &str,
    product: &str,
    version: &str,
    scheme: VersionScheme,
    cpe: Option<String>,
) -> Software {
    Software {
        vendor: vendor.parse().expect("catalogue vendor"),
        product: product.parse().expect("catalogue product"),
        version: version.parse().expect("catalogue version"),
        scheme,
        cpe: cpe.map(|c| c.parse::<Cpe23>().expect("catalogue CPE")),
    }
}

fn pick<R: Rng>(rng: &mut R, list: &[&'static str]) -> &'static str {
    list.choose(rng).copied().unwrap_or("")
}

fn nginx(v: &str) -> Software {
    sw(
        "F5",
        "nginx",
        v,
        VersionScheme::Semver,
        Some(cpe('a', "f5", "nginx", v, "*")),
    )
}
fn httpd(v: &str) -> Software {
    sw(
        "Apache Software Foundation",
        "Apache HTTP Server",
        v,
        VersionScheme::Semver,
        Some(cpe('a', "apache", "http_server", v, "*")),
    )
}
fn php(v: &str) -> Software {
    sw(
        "The PHP Group",
        "PHP",
        v,
        VersionScheme::Semver,
        Some(cpe('a', "php", "php", v, "*")),
    )
}
/// OpenSSH writes its portable releases `8.9p1`; NVD splits that into
/// version `8.9` and update `p1`.
fn openssh(v: &str) -> Software {
    let (base, portable) = v.split_once('p').unwrap_or((v, "*"));
    let update = if portable == "*" {
        "*".to_string()
    } else {
        format!("p{portable}")
    };
    sw(
        "OpenBSD",
        "OpenSSH",
        v,
        VersionScheme::Dotted,
        Some(cpe('a', "openbsd", "openssh", base, &update)),
    )
}
fn tomcat(v: &str) -> Software {
    sw(
        "Apache Software Foundation",
        "Apache Tomcat",
        v,
        VersionScheme::Semver,
        Some(cpe('a', "apache", "tomcat", v, "*")),
    )
}
fn log4j(v: &str) -> Software {
    sw(
        "Apache Software Foundation",
        "Apache Log4j",
        v,
        VersionScheme::Semver,
        Some(cpe('a', "apache", "log4j", v, "*")),
    )
}
fn postgres(v: &str) -> Software {
    sw(
        "PostgreSQL Global Development Group",
        "PostgreSQL",
        v,
        VersionScheme::Dotted,
        Some(cpe('a', "postgresql", "postgresql", v, "*")),
    )
}
fn mysql(v: &str) -> Software {
    sw(
        "Oracle",
        "MySQL",
        v,
        VersionScheme::Semver,
        Some(cpe('a', "oracle", "mysql", v, "*")),
    )
}
fn iis() -> Software {
    sw(
        "Microsoft",
        "Internet Information Services",
        "10.0",
        VersionScheme::Dotted,
        Some(cpe(
            'a',
            "microsoft",
            "internet_information_services",
            "10.0",
            "*",
        )),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Os {
    Ubuntu2204,
    Ubuntu2004,
    Rhel8,
    Win2016,
    Win2019,
    Win2022,
    Win10,
    Win11,
}

/// Monthly cumulative updates: (build with update revision, KBs installed).
/// Three patch levels per release: February 2023, January 2024, August 2024.
const WIN2016: &[(&str, &[&str])] = &[
    ("10.0.14393.5717", &["KB5022838"]),
    ("10.0.14393.6614", &["KB5034119"]),
    ("10.0.14393.7259", &["KB5041773"]),
];
const WIN2019: &[(&str, &[&str])] = &[
    ("10.0.17763.4010", &["KB5005112", "KB5022840"]),
    ("10.0.17763.5329", &["KB5005112", "KB5034127"]),
    ("10.0.17763.6189", &["KB5005112", "KB5041578"]),
];
const WIN2022: &[(&str, &[&str])] = &[
    ("10.0.20348.1547", &["KB5022842"]),
    ("10.0.20348.2227", &["KB5034129"]),
    ("10.0.20348.2655", &["KB5041160"]),
];
const WIN10: &[(&str, &[&str])] = &[
    ("10.0.19045.2604", &["KB5022834"]),
    ("10.0.19045.3930", &["KB5034122"]),
    ("10.0.19045.4780", &["KB5041580"]),
];
const WIN11: &[(&str, &[&str])] = &[
    ("10.0.22631.3007", &["KB5034123"]),
    ("10.0.22631.4037", &["KB5041585"]),
];

fn linux_os(rng: &mut impl Rng) -> Os {
    match rng.gen_range(0..20) {
        0..=8 => Os::Ubuntu2204,
        9..=14 => Os::Ubuntu2004,
        _ => Os::Rhel8,
    }
}

fn windows_server(rng: &mut impl Rng) -> Os {
    match rng.gen_range(0..20) {
        0..=3 => Os::Win2016,
        4..=12 => Os::Win2019,
        _ => Os::Win2022,
    }
}

fn windows_desktop(rng: &mut impl Rng) -> Os {
    if rng.gen_bool(0.75) {
        Os::Win10
    } else {
        Os::Win11
    }
}

fn apply_os(rng: &mut impl Rng, a: &mut AssetInput, os: Os) {
    let (name, version, ssh): (&str, String, Option<&str>) = match os {
        Os::Ubuntu2204 => (
            "Ubuntu",
            pick(rng, &["22.04.3 LTS", "22.04.4 LTS", "22.04.5 LTS"]).into(),
            Some("8.9p1"),
        ),
        Os::Ubuntu2004 => ("Ubuntu", "20.04.6 LTS".into(), Some("8.2p1")),
        Os::Rhel8 => (
            "Red Hat Enterprise Linux",
            pick(rng, &["8.6", "8.8", "8.9", "8.10"]).into(),
            Some("8.0p1"),
        ),
        Os::Win2016 => ("Windows Server 2016", "1607".into(), None),
        Os::Win2019 => ("Windows Server 2019", "1809".into(), None),
        Os::Win2022 => ("Windows Server 2022", "21H2".into(), None),
        Os::Win10 => ("Windows 10 Pro", "22H2".into(), None),
        Os::Win11 => ("Windows 11 Pro", "23H2".into(), None),
    };
    a.os_name = Some(name.into());
    a.os_version = Some(version);
    if let Some(v) = ssh {
        a.software.push(openssh(v));
    }
    let builds = match os {
        Os::Win2016 => WIN2016,
        Os::Win2019 => WIN2019,
        Os::Win2022 => WIN2022,
        Os::Win10 => WIN10,
        Os::Win11 => WIN11,
        _ => &[],
    };
    if let Some((build, kbs)) = builds.choose(rng) {
        a.os_build = Some((*build).into());
        a.kbs = kbs
            .iter()
            .map(|k| k.parse::<KbId>().expect("catalogue KB"))
            .collect();
    }
}

/// The packaged version each distribution ships, or a vendor repository's.
fn distro_pick(
    rng: &mut impl Rng,
    os: Os,
    ubuntu22: &'static str,
    ubuntu20: &'static str,
    rhel8: &'static str,
    upstream: &[&'static str],
) -> &'static str {
    if rng.gen_bool(0.3) && !upstream.is_empty() {
        return pick(rng, upstream);
    }
    match os {
        Os::Ubuntu2204 => ubuntu22,
        Os::Ubuntu2004 => ubuntu20,
        _ => rhel8,
    }
}

struct Builder<'a, R: Rng> {
    rng: &'a mut R,
    plan: &'a mut AddressPlan,
    site: &'a Site,
    counters: BTreeMap<&'static str, u32>,
    out: Vec<AssetInput>,
}

impl<R: Rng> Builder<'_, R> {
    fn hostname(&mut self, kind: &'static str, windows: bool) -> String {
        let n = self.counters.entry(kind).or_insert(0);
        *n += 1;
        let name = format!("{}-{kind}{:02}", self.site.tag, n);
        if windows {
            name.to_uppercase()
        } else {
            name
        }
    }

    fn asset(&mut self, kind: &'static str, role: AssetRole, windows: bool) -> AssetInput {
        AssetInput {
            system_id: 0,
            hostname: self.hostname(kind, windows).parse().expect("hostname"),
            role,
            ips: Vec::new(),
            domains: Vec::new(),
            os_name: None,
            os_version: None,
            os_build: None,
            hardware: None,
            software: Vec::new(),
            modules: Vec::new(),
            hotfixes: Vec::new(),
            kbs: Vec::new(),
            notes: None,
        }
    }

    fn public_ip(&mut self) -> Vec<IpAddr> {
        let from_blocks = if self.site.public_blocks.is_empty() {
            None
        } else {
            self.plan.host_in(self.rng, &self.site.public_blocks)
        };
        from_blocks
            .or_else(|| self.plan.host_in_isp(self.rng, self.site.isp))
            .into_iter()
            .collect()
    }

    /// Front ends answer for the system's names and face the Internet.
    fn front(&mut self, a: &mut AssetInput) {
        if self.site.internet_facing {
            a.ips = self.public_ip();
            a.domains = self
                .site
                .domains
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect();
        }
    }

    fn linux(&mut self, kind: &'static str, role: AssetRole) -> (AssetInput, Os) {
        let mut a = self.asset(kind, role, false);
        let os = linux_os(self.rng);
        apply_os(self.rng, &mut a, os);
        (a, os)
    }

    fn windows(&mut self, kind: &'static str, role: AssetRole, os: Os) -> AssetInput {
        let mut a = self.asset(kind, role, true);
        apply_os(self.rng, &mut a, os);
        a
    }

    fn appliance(&mut self, kind: &'static str, os_name: &str, version: &str) -> AssetInput {
        let mut a = self.asset(kind, AssetRole::Appliance, false);
        a.os_name = Some(os_name.into());
        a.os_version = Some(version.into());
        // Appliances sit on the edge: they always hold a public address.
        a.ips = self.public_ip();
        a
    }

    fn office_suite(&mut self, office: Office) -> Vec<Software> {
        let outlook2016 = || {
            sw(
                "Microsoft",
                "Outlook 2016",
                "16.0.5435.1001",
                VersionScheme::Dotted,
                Some(cpe('a', "microsoft", "outlook", "2016", "*")),
            )
        };
        let choice = match office {
            Office::Office2016 => 0,
            Office::Mixed => self.rng.gen_range(0..4),
        };
        match choice {
            0 => vec![
                sw(
                    "Microsoft",
                    "Office Professional Plus 2016",
                    "16.0.5435.1001",
                    VersionScheme::Dotted,
                    Some(cpe('a', "microsoft", "office", "2016", "*")),
                ),
                outlook2016(),
            ],
            1 => vec![sw(
                "Microsoft",
                "Office Professional Plus 2019",
                "16.0.10407.20032",
                VersionScheme::Dotted,
                Some(cpe('a', "microsoft", "office", "2019", "*")),
            )],
            2 => vec![sw(
                "Microsoft",
                "Office LTSC Professional Plus 2021",
                "16.0.14332.20624",
                VersionScheme::Dotted,
                Some(cpe(
                    'a',
                    "microsoft",
                    "office_long_term_servicing_channel",
                    "2021",
                    "*",
                )),
            )],
            _ => vec![sw(
                "Microsoft",
                "Microsoft 365 Apps for enterprise",
                "16.0.17328.20162",
                VersionScheme::Dotted,
                Some("cpe:2.3:a:microsoft:365_apps:-:*:*:*:enterprise:*:*:*".into()),
            )],
        }
    }

    fn workstation(&mut self, kind: &'static str) -> AssetInput {
        let os = windows_desktop(self.rng);
        let mut a = self.windows(kind, AssetRole::Workstation, os);
        a.ips = self.site.office_gateway.into_iter().collect();
        let av = if self.rng.gen_bool(0.6) {
            sw(
                "Kaspersky",
                "Kaspersky Endpoint Security for Windows",
                pick(self.rng, &["11.11.0.452", "12.3.0.493"]),
                VersionScheme::Dotted,
                None,
            )
        } else {
            sw(
                "Bkav",
                "Bkav Endpoint",
                "6.0.4.7",
                VersionScheme::Dotted,
                None,
            )
        };
        a.software.push(av);
        // Officials sign documents with a USB token; its plug-in is on every desk.
        a.software.push(sw(
            "VNPT",
            "VNPT-CA Plugin",
            "1.0.5.2",
            VersionScheme::Dotted,
            None,
        ));
        a
    }

    fn build(&mut self, recipe: Recipe) {
        match recipe {
            Recipe::Nginx => {
                let (mut a, os) = self.linux("web", AssetRole::Server);
                let v = distro_pick(
                    self.rng,
                    os,
                    "1.18.0",
                    "1.18.0",
                    "1.20.1",
                    &["1.24.0", "1.26.2"],
                );
                a.software.push(nginx(v));
                self.front(&mut a);
                self.out.push(a);
            }
            Recipe::Apache => {
                let (mut a, os) = self.linux("web", AssetRole::Server);
                let v = distro_pick(self.rng, os, "2.4.52", "2.4.41", "2.4.37", &[]);
                let p = distro_pick(self.rng, os, "8.1.2", "7.4.3", "7.4.33", &[]);
                a.software.push(httpd(v));
                a.software.push(php(p));
                self.front(&mut a);
                self.out.push(a);
            }
            Recipe::Apache2449 => {
                let mut a = self.asset("web", AssetRole::Server, false);
                apply_os(self.rng, &mut a, Os::Ubuntu2004);
                a.software.push(httpd("2.4.49"));
                a.software.push(php("7.4.3"));
                a.notes = Some(
                    "Apache biên dịch từ mã nguồn khi triển khai năm 2021, chưa cập nhật từ đó"
                        .into(),
                );
                self.front(&mut a);
                self.out.push(a);
            }
            Recipe::Iis => {
                let os = windows_server(self.rng);
                let mut a = self.windows("app", AssetRole::Server, os);
                a.software.push(iis());
                self.front(&mut a);
                self.out.push(a);
            }
            Recipe::JavaApp(log4j_versions) => {
                let (mut a, _) = self.linux("app", AssetRole::Server);
                let t = pick(self.rng, &["9.0.58", "9.0.71", "9.0.85", "10.1.18"]);
                a.software.push(tomcat(t));
                let l = pick(self.rng, log4j_versions);
                a.software.push(log4j(l));
                self.out.push(a);
            }
            Recipe::Postgres => {
                let (mut a, os) = self.linux("db", AssetRole::Database);
                let v = distro_pick(self.rng, os, "14.10", "12.17", "13.13", &["15.5", "16.2"]);
                a.software.push(postgres(v));
                self.out.push(a);
            }
            Recipe::Mysql => {
                let (mut a, _) = self.linux("db", AssetRole::Database);
                let v = pick(self.rng, &["8.0.35", "8.0.36", "5.7.44"]);
                a.software.push(mysql(v));
                self.out.push(a);
            }
            Recipe::SqlServer => {
                let os = windows_server(self.rng);
                let mut a = self.windows("sql", AssetRole::Database, os);
                let (product, build) = if os == Os::Win2016 {
                    ("SQL Server 2017", "14.0.3465.1")
                } else {
                    ("SQL Server 2019", "15.0.4345.5")
                };
                a.software
                    .push(sw("Microsoft", product, build, VersionScheme::Dotted, None));
                self.out.push(a);
            }
            Recipe::Exchange(which) => {
                let (os, year, cu, build) = match which {
                    Exchange::E2019Cu11 => (Os::Win2019, "2019", 11, "15.2.986.5"),
                    Exchange::E2016Cu19 => (Os::Win2016, "2016", 19, "15.1.2176.2"),
                };
                let mut a = self.windows("exch", AssetRole::Server, os);
                a.software.push(sw(
                    "Microsoft",
                    &format!("Exchange Server {year}"),
                    build,
                    VersionScheme::Dotted,
                    Some(cpe(
                        'a',
                        "microsoft",
                        "exchange_server",
                        year,
                        &format!("cumulative_update_{cu}"),
                    )),
                ));
                a.software.push(iis());
                a.notes = Some(format!("Exchange Server {year} CU{cu}"));
                self.front(&mut a);
                self.out.push(a);
            }
            Recipe::Workstations(n, office) => {
                for _ in 0..n {
                    let mut a = self.workstation("pc");
                    let suite = self.office_suite(office);
                    a.software.splice(0..0, suite);
                    self.out.push(a);
                }
            }
            Recipe::Accounting(n) => {
                for _ in 0..n {
                    let mut a = self.workstation("kt");
                    a.software.insert(
                        0,
                        sw(
                            "MISA",
                            "MISA Mimosa.NET 2022",
                            pick(self.rng, &["27.4.1.12", "27.6.0.3"]),
                            VersionScheme::Dotted,
                            None,
                        ),
                    );
                    self.out.push(a);
                }
            }
            Recipe::BigIp {
                versions,
                modules,
                hotfix,
            } => {
                let v = pick(self.rng, versions);
                let mut a = self.appliance("bigip", "BIG-IP", v);
                a.modules = modules.iter().map(|m| m.to_string()).collect();
                for m in modules {
                    let (product, cpe_product) = match *m {
                        "ASM" => (
                            "BIG-IP Application Security Manager",
                            "big-ip_application_security_manager",
                        ),
                        "APM" => (
                            "BIG-IP Access Policy Manager",
                            "big-ip_access_policy_manager",
                        ),
                        _ => (
                            "BIG-IP Local Traffic Manager",
                            "big-ip_local_traffic_manager",
                        ),
                    };
                    a.software.push(sw(
                        "F5",
                        product,
                        v,
                        VersionScheme::Dotted,
                        Some(cpe('a', "f5", cpe_product, v, "*")),
                    ));
                }
                let installed = match hotfix {
                    Hotfix::None => false,
                    Hotfix::Installed => true,
                    Hotfix::Maybe => self.rng.gen_bool(0.5),
                };
                // F5 built the CVE-2023-46747 engineering hotfix for exactly
                // these releases; on any other version there is none to install.
                let hotfix_name = match v {
                    "17.1.0.3" => Some("Hotfix-BIGIP-17.1.0.3.0.75.4-ENG"),
                    "16.1.4.1" => Some("Hotfix-BIGIP-16.1.4.1.0.50.5-ENG"),
                    "15.1.10.2" => Some("Hotfix-BIGIP-15.1.10.2.0.44.2-ENG"),
                    _ => None,
                };
                if let (true, Some(h)) = (installed, hotfix_name) {
                    a.hotfixes.push(h.into());
                }
                self.out.push(a);
            }
            Recipe::FortiGate(versions) => {
                let v = pick(self.rng, versions);
                let mut a = self.appliance("fgt", "FortiOS", v);
                a.modules = vec!["SSL-VPN".into(), "IPS".into()];
                a.software.push(sw(
                    "Fortinet",
                    "FortiOS",
                    v,
                    VersionScheme::Dotted,
                    Some(cpe('o', "fortinet", "fortios", v, "*")),
                ));
                a.notes = Some(
                    pick(
                        self.rng,
                        &["FortiGate 100F", "FortiGate 200F", "FortiGate 60F"],
                    )
                    .into(),
                );
                self.out.push(a);
            }
            Recipe::NetScaler(v) => {
                let mut a = self.appliance("adc", "NetScaler", v);
                a.modules = vec!["ADC".into(), "Gateway".into()];
                a.software.push(sw(
                    "Citrix",
                    "NetScaler ADC",
                    v,
                    VersionScheme::Dotted,
                    Some(format!(
                        "cpe:2.3:a:citrix:netscaler_application_delivery_controller:{v}:*:*:*:-:*:*:*"
                    )),
                ));
                a.software.push(sw(
                    "Citrix",
                    "NetScaler Gateway",
                    v,
                    VersionScheme::Dotted,
                    Some(cpe('a', "citrix", "netscaler_gateway", v, "*")),
                ));
                a.notes = Some("Cổng truy cập từ xa cho quản trị viên các đơn vị".into());
                self.out.push(a);
            }
            Recipe::PanOs(v) => {
                let mut a = self.appliance("pa", "PAN-OS", v);
                a.modules = vec!["GlobalProtect".into()];
                a.software.push(sw(
                    "Palo Alto Networks",
                    "PAN-OS",
                    v,
                    VersionScheme::Dotted,
                    Some(cpe('o', "paloaltonetworks", "pan-os", v, "*")),
                ));
                a.notes = Some("PA-440; cán bộ làm việc từ xa qua GlobalProtect".into());
                self.out.push(a);
            }
            Recipe::Switch => {
                let mut a = self.asset("sw", AssetRole::Network, false);
                a.os_name = Some("Cisco IOS XE".into());
                a.os_version = Some("17.6.5".into());
                a.software.push(sw(
                    "Cisco",
                    "IOS XE",
                    "17.6.5",
                    VersionScheme::Dotted,
                    Some(cpe('o', "cisco", "ios_xe", "17.6.5", "*")),
                ));
                a.notes = Some("Catalyst 9300, chuyển mạch lõi".into());
                self.out.push(a);
            }
            Recipe::Esxi => {
                let mut a = self.asset("esxi", AssetRole::Server, false);
                a.os_name = Some("VMware ESXi".into());
                a.os_version = Some("7.0.3".into());
                a.os_build = Some("22348816".into());
                a.software.push(sw(
                    "VMware",
                    "ESXi",
                    "7.0 Update 3o",
                    VersionScheme::Other,
                    Some(cpe('o', "vmware", "esxi", "7.0", "update_3o")),
                ));
                a.notes = Some("Cụm ảo hóa của Trung tâm Dữ liệu".into());
                self.out.push(a);
            }
            Recipe::Confluence => {
                let (mut a, _) = self.linux("conf", AssetRole::Server);
                let v = pick(self.rng, &["8.3.2", "8.4.2", "8.5.1"]);
                a.software.push(sw(
                    "Atlassian",
                    "Confluence Server",
                    v,
                    VersionScheme::Semver,
                    Some(cpe('a', "atlassian", "confluence_server", v, "*")),
                ));
                // Published so staff can reach it from home, firewall permitting.
                a.ips = self.public_ip();
                self.out.push(a);
            }
            Recipe::WordPress => {
                let (mut a, os) = self.linux("web", AssetRole::Server);
                let v = distro_pick(self.rng, os, "2.4.52", "2.4.41", "2.4.37", &[]);
                let p = distro_pick(self.rng, os, "8.1.2", "7.4.3", "7.4.33", &[]);
                let w = pick(self.rng, &["6.4.3", "6.5.5", "6.6.2"]);
                a.software.push(httpd(v));
                a.software.push(php(p));
                a.software.push(sw(
                    "WordPress",
                    "WordPress",
                    w,
                    VersionScheme::Semver,
                    Some(cpe('a', "wordpress", "wordpress", w, "*")),
                ));
                self.front(&mut a);
                self.out.push(a);
            }
            Recipe::VideoBridge => {
                let mut a =
                    self.appliance("mcu", "Poly RealPresence Collaboration Server", "8.10.2");
                a.notes = Some("Thiết bị điều khiển đa điểm (MCU) cho họp trực tuyến".into());
                self.out.push(a);
            }
            Recipe::FileServer => {
                let os = windows_server(self.rng);
                let a = self.windows("fs", AssetRole::Server, os);
                self.out.push(a);
            }
            Recipe::Sensor => {
                let mut a = self.asset("tram", AssetRole::Other, false);
                a.notes = Some("Trạm quan trắc tự động, truyền số liệu qua mạng di động".into());
                self.out.push(a);
            }
            Recipe::Camera => {
                let mut a = self.asset("cam", AssetRole::Other, false);
                a.os_name = Some("Hikvision".into());
                a.os_version = Some(pick(self.rng, &["V5.7.3", "V5.5.800"]).into());
                a.notes = Some("Camera IP, ghi hình về đầu ghi tại đơn vị".into());
                self.out.push(a);
            }
        }
    }
}

/// The assets of one system, in recipe order.
pub fn build(
    rng: &mut impl Rng,
    plan: &mut AddressPlan,
    site: &Site,
    recipes: &[Recipe],
) -> Vec<AssetInput> {
    let mut b = Builder {
        rng,
        plan,
        site,
        counters: BTreeMap::new(),
        out: Vec::new(),
    };
    for r in recipes {
        b.build(*r);
    }
    b.out
}

/// How many assets the recipes make, for checking the catalogue.
#[cfg(test)]
pub fn count(recipes: &[Recipe]) -> usize {
    recipes
        .iter()
        .map(|r| match r {
            Recipe::Workstations(n, _) | Recipe::Accounting(n) => usize::from(*n),
            _ => 1,
        })
        .sum()
}
