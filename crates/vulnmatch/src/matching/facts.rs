//! An asset's facts made ready for matching: names normalised, CPE
//! candidates built (from the inventory's CPEs or from its names).

use super::*;

// ------------------------------------------------------------ prepared facts

/// A CPE the matcher tries for a fact.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub(super) cpe: Cpe,
    /// False for CPEs made from names: the part (`a`/`o`) is then not compared.
    pub(super) part_known: bool,
    /// The version to compare ranges with (`FactData::cand_version`).
    pub(super) version: CandVersion,
    pub(super) note: Option<String>,
    /// The fact as NVD matched it by this CPE (`nvd_fact_text`), made when
    /// first needed.
    pub(super) nvd_text: OnceLock<String>,
}

/// A candidate's version: most often the fact's own (upstream) version.
#[derive(Debug, Clone)]
pub(super) enum CandVersion {
    /// `version::upstream(scheme, version)` of the fact.
    Upstream,
    Own(Box<str>),
}

/// A platform candidate's version (its own).
pub(super) fn own_version(c: &Candidate) -> String {
    match &c.version {
        CandVersion::Own(v) => v.to_string(),
        CandVersion::Upstream => String::new(),
    }
}

impl CandVersion {
    /// `v` itself when it is the upstream version of `fact_version`.
    pub(super) fn of(v: &str, scheme: Scheme, fact_version: &str) -> CandVersion {
        if v == version::upstream(scheme, fact_version) {
            CandVersion::Upstream
        } else {
            CandVersion::Own(v.into())
        }
    }
}

/// One inventory fact of an asset: where it is in the item, and what the
/// matcher knows of it (shared between assets with the same fact).
#[derive(Debug, Clone)]
pub(super) struct Fact<'a> {
    /// Which inventory entry this is (the label is made only for findings).
    pub(super) origin: FactOrigin,
    pub(super) data: FactRef<'a>,
}

/// A fact's data, made for this asset or borrowed from a `FactTable` (no
/// shared counter to update from several threads).
#[derive(Debug, Clone)]
pub(super) enum FactRef<'a> {
    Own(Arc<FactData>),
    Shared(&'a FactData),
}

impl std::ops::Deref for FactRef<'_> {
    type Target = FactData;
    fn deref(&self) -> &FactData {
        match self {
            FactRef::Own(d) => d,
            FactRef::Shared(d) => d,
        }
    }
}

impl std::ops::Deref for Fact<'_> {
    type Target = FactData;
    fn deref(&self) -> &FactData {
        &self.data
    }
}

/// A fact without its place in the item: names, version, CPE candidates.
#[derive(Debug, Clone)]
pub(super) struct FactData {
    /// The vendor, the product, `norm(product)` and the version, one after
    /// the other (one allocation: an inventory has hundreds of thousands).
    pub(super) text: Box<str>,
    /// Where the vendor, the product and `norm(product)` end in `text`.
    pub(super) ends: [u32; 3],
    /// `product_key(product_n)`.
    pub(super) name_key: u64,
    pub(super) scheme: Scheme,
    pub(super) candidates: Vec<Candidate>,
    /// A platform CPE of the asset: only satisfies non-vulnerable nodes.
    pub(super) platform_only: bool,
    /// The edition the inventory states (`fips`): its CPE's `sw_edition`,
    /// or the end of its version (`13.1-37.164-FIPS`, `ranges::split_edition`).
    pub(super) edition: Option<Box<str>>,
    /// Other names the vendors give the same product (an OS: Microsoft's
    /// `Windows 10 Version 22H2`), normalised (`norm`).
    pub(super) aliases: Box<[String]>,
    /// The fact in words (`Fact::label`), made when first needed: the same
    /// for every asset that shares the fact.
    pub(super) label: OnceLock<String>,
}

impl FactData {
    /// `product_n` is `norm(product)` when the caller has it.
    pub(super) fn new(
        vendor: &str,
        product: &str,
        product_n: Option<&str>,
        version: &str,
        scheme: Scheme,
        candidates: Vec<Candidate>,
    ) -> FactData {
        thread_local! {
            /// A fact's text being made (then allocated at its size).
            static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        let (text, e0, e1, e2, name_key) = TEXT.with_borrow_mut(|text| {
            text.clear();
            text.push_str(vendor);
            let e0 = text.len();
            text.push_str(product);
            let e1 = text.len();
            match product_n {
                Some(n) => text.push_str(n),
                None => push_norm(text, product),
            }
            let e2 = text.len();
            text.push_str(version);
            let name_key = product_key(&text[e1..e2]);
            (Box::<str>::from(text.as_str()), e0, e1, e2, name_key)
        });
        FactData {
            text,
            ends: [e0 as u32, e1 as u32, e2 as u32],
            name_key,
            scheme,
            candidates,
            platform_only: false,
            edition: None,
            aliases: Box::new([]),
            label: OnceLock::new(),
        }
    }

    pub(super) fn part(&self, i: usize) -> &str {
        let start = match i {
            0 => 0,
            i => self.ends[i - 1] as usize,
        };
        let end = self.ends.get(i).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    pub(super) fn vendor(&self) -> &str {
        self.part(0)
    }

    pub(super) fn product(&self) -> &str {
        self.part(1)
    }

    /// `norm(product)`.
    pub(super) fn product_n(&self) -> &str {
        self.part(2)
    }

    pub(super) fn version(&self) -> &str {
        self.part(3)
    }

    /// The edition the inventory states, if any.
    pub(super) fn edition(&self) -> Option<&str> {
        self.edition.as_deref()
    }

    /// Whether `name_n` (normalised) is the product's name or an alias.
    pub(super) fn is_named(&self, name_n: &str) -> bool {
        self.product_n() == name_n || self.aliases.iter().any(|a| a == name_n)
    }

    /// The version candidate `c` (one of this fact's) compares ranges with.
    pub(super) fn cand_version<'s>(&'s self, c: &'s Candidate) -> &'s str {
        match &c.version {
            CandVersion::Upstream => version::upstream(self.scheme, self.version()),
            CandVersion::Own(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum FactOrigin {
    Software(usize),
    Os,
    Platform(usize),
}

impl Fact<'_> {
    /// The fact in words: `software F5|BIG-IP|17.1.0.3|dotted` (made once
    /// per fact: its key holds everything the words are made of).
    pub(super) fn label(&self, item: &InventoryItem) -> &str {
        self.data.label.get_or_init(|| self.make_label(item))
    }

    pub(super) fn make_label(&self, item: &InventoryItem) -> String {
        match self.origin {
            FactOrigin::Software(i) => item
                .software
                .get(i)
                .map(|sw| format!("software {sw}"))
                .unwrap_or_default(),
            FactOrigin::Os => match &item.os {
                Some(os) => os_label(os, self.version()),
                None => String::new(),
            },
            FactOrigin::Platform(i) => item
                .platforms
                .get(i)
                .map(|p| format!("platform {p}"))
                .unwrap_or_default(),
        }
    }
}

/// An inventory item made ready for matching (names normalised, CPEs built).
#[derive(Debug, Clone)]
pub struct Prepared<'a> {
    pub(super) item: &'a InventoryItem,
    pub(super) facts: Vec<Fact<'a>>,
    pub(super) modules: Vec<String>,
    pub(super) fixes: Vec<String>,
    pub(super) os_names: Vec<String>,
    pub(super) os_cpes: Vec<Cpe>,
}

/// Lower case with white space collapsed: the only normalisation of names.
pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_norm(&mut out, s);
    out
}

/// `norm(s)` written to `out`.
pub(super) fn push_norm(out: &mut String, s: &str) {
    if s.is_ascii() {
        // The usual case, in one pass.
        let start = out.len();
        for w in s.split_whitespace() {
            if out.len() > start {
                out.push(' ');
            }
            out.extend(w.chars().map(|c| c.to_ascii_lowercase()));
        }
        return;
    }
    out.push_str(
        &s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    );
}

pub(super) fn is_no_vendor(v: Option<&str>) -> bool {
    v.is_none_or(|v| {
        let t = v.trim();
        t.is_empty()
            || ["n/a", "na", "unknown", "-"]
                .iter()
                .any(|x| t.eq_ignore_ascii_case(x))
    })
}

/// `a` and `b` are equal after `norm` (without allocating).
pub fn eq_norm(a: &str, b: &str) -> bool {
    let (mut wa, mut wb) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (wa.next(), wb.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let same = if x.is_ascii() && y.is_ascii() {
                    x.eq_ignore_ascii_case(y)
                } else {
                    x.chars()
                        .flat_map(char::to_lowercase)
                        .eq(y.chars().flat_map(char::to_lowercase))
                };
                if !same {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// F5 BIG-IP module codes and names, and their CPE product names.
pub(super) const F5_MODULES: &[(&str, &str, &str)] = &[
    (
        "ltm",
        "local traffic manager",
        "big-ip_local_traffic_manager",
    ),
    (
        "apm",
        "access policy manager",
        "big-ip_access_policy_manager",
    ),
    (
        "asm",
        "application security manager",
        "big-ip_application_security_manager",
    ),
    (
        "afm",
        "advanced firewall manager",
        "big-ip_advanced_firewall_manager",
    ),
    (
        "avr",
        "application visibility and reporting",
        "big-ip_application_visibility_and_reporting",
    ),
    ("analytics", "analytics", "big-ip_analytics"),
    (
        "aam",
        "application acceleration manager",
        "big-ip_application_acceleration_manager",
    ),
    (
        "gtm",
        "global traffic manager",
        "big-ip_global_traffic_manager",
    ),
    ("dns", "domain name system", "big-ip_domain_name_system"),
    ("lc", "link controller", "big-ip_link_controller"),
    (
        "pem",
        "policy enforcement manager",
        "big-ip_policy_enforcement_manager",
    ),
    (
        "fps",
        "fraud protection service",
        "big-ip_fraud_protection_service",
    ),
    (
        "awaf",
        "advanced waf",
        "big-ip_advanced_web_application_firewall",
    ),
    (
        "ddhd",
        "ddos hybrid defender",
        "big-ip_ddos_hybrid_defender",
    ),
    ("sslo", "ssl orchestrator", "big-ip_ssl_orchestrator"),
    ("cgnat", "carrier-grade nat", "big-ip_carrier-grade_nat"),
    ("websafe", "websafe", "big-ip_websafe"),
    (
        "wom",
        "wan optimization manager",
        "big-ip_wan_optimization_manager",
    ),
    ("edge", "edge gateway", "big-ip_edge_gateway"),
];

/// A module name as a canonical code (`Access Policy Manager` → `apm`).
pub(super) fn module_code(m: &str) -> String {
    let n = norm(m);
    let n = n.strip_prefix("big-ip ").unwrap_or(&n).to_string();
    F5_MODULES
        .iter()
        .find(|(code, name, _)| *code == n || *name == n)
        .map(|(code, _, _)| code.to_string())
        .unwrap_or(n)
}

pub(super) fn is_all_modules(m: &str) -> bool {
    ["all modules", "all", "*"].iter().any(|x| eq_norm(m, x))
}

/// `BIG-IP (APM)` → (`BIG-IP`, [`APM`]); `BIG-IP (all modules)` → all.
pub(super) fn split_modules(product: &str) -> (&str, Vec<&str>) {
    let t = product.trim();
    if let (Some(open), true) = (t.rfind('('), t.ends_with(')')) {
        let base = t[..open].trim();
        let inner = &t[open + 1..t.len() - 1];
        if !base.is_empty() {
            let mods = inner
                .split([',', '/'])
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .collect();
            return (base, mods);
        }
    }
    (t, Vec::new())
}

/// A rule's product without its modules, and the modules its name lists
/// (none when the name is whole: `AffectedRule::whole_name`).
pub(super) fn product_and_modules(rule: &AffectedRule) -> (&str, Vec<&str>) {
    match rule.product.as_deref() {
        Some(p) if rule.whole_name => (p.trim(), Vec::new()),
        Some(p) => split_modules(p),
        None => ("", Vec::new()),
    }
}

pub(super) fn literal(s: &str) -> Value {
    Value::Text(Text::literal(s))
}

/// A candidate from a CPE of the inventory; `fact` is the fact's scheme
/// and version, when it is one.
pub(super) fn explicit_candidate(
    c: &Cpe23,
    fallback_version: &str,
    note: Option<String>,
    fact: Option<(Scheme, &str)>,
) -> Option<Candidate> {
    let own = |v: &str| match fact {
        Some((scheme, fv)) => CandVersion::of(v, scheme, fv),
        None => CandVersion::Own(v.into()),
    };
    let mut cpe = Cpe::from_domain(c).ok()?;
    let version = match cpe.version() {
        Value::Text(t) if !t.has_wildcards() => own(&t.as_plain()),
        Value::Any if !fallback_version.trim().is_empty() => {
            cpe.set(3, literal(fallback_version));
            own(fallback_version)
        }
        _ => own(""),
    };
    Some(Candidate {
        cpe,
        part_known: true,
        version,
        note,
        nvd_text: OnceLock::new(),
    })
}

/// The candidates made from the names (`version` is `fact_version` as the
/// fact's `scheme` reads it upstream, or the OS's version).
pub(super) fn derived_candidates(
    vendor: &str,
    product: &str,
    version: &str,
    modules: &[String],
    (scheme, fact_version): (Scheme, &str),
) -> Vec<Candidate> {
    let mut out = Vec::with_capacity(1 + modules.len());
    let v = cpe::value_from_name(vendor);
    let p = cpe::value_from_name(product);
    if v == Value::Any || p == Value::Any {
        return out;
    }
    let mut attrs: [Value; 11] = std::array::from_fn(|_| Value::Any);
    attrs[1] = v;
    attrs[2] = p;
    attrs[3] = literal(version);
    let base = Cpe::new(attrs);
    // BIG-IP (its key first: the names are compared only when it is).
    let is_bigip = !modules.is_empty()
        && base.vendor_product_key() == cpe::name_key("f5", "big-ip")
        && base
            .vendor_product()
            .is_some_and(|(v, p)| v == "f5" && p == "big-ip");
    out.push(Candidate {
        cpe: base.clone(),
        part_known: false,
        version: CandVersion::of(version, scheme, fact_version),
        note: None,
        nvd_text: OnceLock::new(),
    });
    if is_bigip {
        for m in modules {
            let code = module_code(m);
            if let Some((_, _, cpe_name)) = F5_MODULES.iter().find(|(c, _, _)| *c == code) {
                let mut c = base.clone();
                c.set(2, literal(cpe_name));
                out.push(Candidate {
                    cpe: c,
                    part_known: false,
                    version: CandVersion::of(version, scheme, fact_version),
                    note: Some(format!("module {m}")),
                    nvd_text: OnceLock::new(),
                });
            }
        }
    }
    out
}

/// An installed product as a fact (the modules give BIG-IP's module CPEs).
pub(super) fn software_fact(sw: &Software, modules: &[String]) -> FactData {
    let (vendor, product, version) = (sw.vendor.as_str(), sw.product.as_str(), sw.version.as_str());
    let scheme = Scheme::from(sw.scheme);
    let up = version::upstream(scheme, version);
    let mut candidates = Vec::new();
    let mut edition: Option<Box<str>> = None;
    match &sw.cpe {
        Some(c) => {
            candidates.extend(explicit_candidate(c, up, None, Some((scheme, version))));
            // The CPE's sw_edition states the edition.
            if let Some(Value::Text(t)) = candidates.first().map(|c| &c.cpe.attrs()[7]) {
                if !t.has_wildcards() {
                    edition = Some(t.as_plain().into());
                }
            }
        }
        None => {
            // An edition at the end of a vendor's version (`13.1-37.164-FIPS`):
            // CPEs carry it as their sw_edition, the version without it.
            let (head, ed) = match scheme {
                Scheme::Dotted | Scheme::Generic => split_edition(up),
                _ => (up, None),
            };
            let mut derived = derived_candidates(vendor, product, head, modules, (scheme, version));
            if let Some(e) = ed {
                for c in &mut derived {
                    c.cpe.set(7, literal(&e.to_ascii_lowercase()));
                }
                edition = Some(e.into());
            }
            candidates.extend(derived);
        }
    }
    FactData {
        edition,
        ..FactData::new(vendor, product, None, version, scheme, candidates)
    }
}

/// The OS as a fact (its build is the version when there is one).
pub(super) fn os_fact(os: &Os) -> FactData {
    let version = os_version(os);
    let reading = read_os(os);
    let vendor = match os.vendor.as_deref().filter(|v| !v.trim().is_empty()) {
        Some(v) => v,
        None => reading.vendor.unwrap_or(os.vendor.as_deref().unwrap_or("")),
    };
    let mut candidates = Vec::new();
    match &os.cpe {
        Some(c) => candidates.extend(explicit_candidate(
            c,
            version,
            None,
            Some((Scheme::Dotted, version)),
        )),
        None if !reading.cpes.is_empty() => {
            for (cv, cp, ver, update) in &reading.cpes {
                let mut attrs: [Value; 11] = std::array::from_fn(|_| Value::Any);
                attrs[0] = literal("o");
                attrs[1] = literal(cv);
                attrs[2] = literal(cp);
                attrs[3] = literal(ver);
                if let Some(u) = update {
                    attrs[4] = literal(u);
                }
                candidates.push(Candidate {
                    cpe: Cpe::new(attrs),
                    part_known: true,
                    version: CandVersion::of(ver, Scheme::Dotted, version),
                    note: Some("CPE made from the OS name, version and build".into()),
                    nvd_text: OnceLock::new(),
                });
            }
        }
        None => candidates.extend(derived_candidates(
            vendor,
            &os.name,
            version,
            &[],
            (Scheme::Dotted, version),
        )),
    }
    FactData {
        aliases: reading.aliases.iter().map(|a| norm(a)).collect(),
        ..FactData::new(vendor, &os.name, None, version, Scheme::Dotted, candidates)
    }
}

/// The version of the OS that is matched: its build when there is one.
pub(super) fn os_version(os: &Os) -> &str {
    os.build
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(&os.version)
}

/// What a software or OS fact is made of (its key in a `FactTable`).
#[derive(Clone, Copy)]
pub(super) enum FactSource<'a> {
    Software(&'a Software, &'a [String]),
    Os(&'a Os),
}

impl FactSource<'_> {
    pub(super) fn build(self) -> FactData {
        match self {
            FactSource::Software(sw, modules) => software_fact(sw, modules),
            FactSource::Os(os) => os_fact(os),
        }
    }

    /// The fact in words, as `Fact::label` says it of an asset with it.
    pub(super) fn label(self, data: &FactData) -> String {
        match self {
            FactSource::Software(sw, _) => format!("software {sw}"),
            FactSource::Os(os) => os_label(os, data.version()),
        }
    }
}

/// An OS fact in words: `os Microsoft|Windows 10|10.0.19045.3803`.
pub(super) fn os_label(os: &Os, version: &str) -> String {
    format!(
        "os {}{}|{}",
        os.vendor
            .as_deref()
            .map(|v| format!("{v}|"))
            .unwrap_or_default(),
        os.name,
        version
    )
}

/// No asset: what a fact alone is matched as part of.
pub(super) static NO_ITEM: InventoryItem = InventoryItem::new(0);

/// A fact alone made ready for matching, as `prepare` makes an asset with
/// only this fact (`asset_id` 0, no modules, no fixes). Its label must be
/// set (`FactSource::label`): there is no asset to read it from.
pub(super) fn alone_prepared<'a>(src: FactSource<'a>, data: &'a FactData) -> Prepared<'a> {
    let (origin, os) = match src {
        FactSource::Software(..) => (FactOrigin::Software(0), None),
        FactSource::Os(os) => (FactOrigin::Os, Some(os)),
    };
    Prepared {
        item: &NO_ITEM,
        facts: vec![Fact {
            origin,
            data: FactRef::Shared(data),
        }],
        modules: Vec::new(),
        fixes: Vec::new(),
        os_names: os.iter().map(|o| norm(&o.name)).collect(),
        os_cpes: os
            .and_then(|o| o.cpe.as_ref())
            .and_then(|c| Cpe::from_domain(c).ok())
            .into_iter()
            .collect(),
    }
}

/// Prepares an item: its facts, normalised names and CPE candidates.
pub fn prepare(item: &InventoryItem) -> Prepared<'_> {
    prepare_with(item, |src| FactRef::Own(Arc::new(src.build())))
}

/// As `prepare`, the software and OS facts coming from `fact`.
pub(super) fn prepare_with<'a>(
    item: &'a InventoryItem,
    mut fact: impl FnMut(FactSource<'a>) -> FactRef<'a>,
) -> Prepared<'a> {
    let mut facts = Vec::with_capacity(item.software.len() + 1 + item.platforms.len());
    for (si, sw) in item.software.iter().enumerate() {
        // The modules only change BIG-IP's CPEs made from names.
        let modules: &[String] = if sw.cpe.is_none() { &item.modules } else { &[] };
        facts.push(Fact {
            origin: FactOrigin::Software(si),
            data: fact(FactSource::Software(sw, modules)),
        });
    }
    if let Some(os) = &item.os {
        facts.push(Fact {
            origin: FactOrigin::Os,
            data: fact(FactSource::Os(os)),
        });
    }
    for (pi, p) in item.platforms.iter().enumerate() {
        if let Some(c) = explicit_candidate(p, "", None, None) {
            facts.push(Fact {
                origin: FactOrigin::Platform(pi),
                data: FactRef::Own(Arc::new(FactData {
                    platform_only: true,
                    ..FactData::new("", "", Some(""), &own_version(&c), Scheme::Generic, vec![c])
                })),
            });
        }
    }
    let os_names = item.os.iter().map(|o| norm(&o.name)).collect();
    let os_cpes = item
        .os
        .iter()
        .filter_map(|o| o.cpe.as_ref())
        .filter_map(|c| Cpe::from_domain(c).ok())
        .collect();
    Prepared {
        item,
        facts,
        modules: item.modules.iter().map(|m| module_code(m)).collect(),
        fixes: item
            .hotfixes
            .iter()
            .map(|h| normalise_fix(h))
            .chain(item.kbs.iter().map(|k| normalise_fix(&k.to_string())))
            .collect(),
        os_names,
        os_cpes,
    }
}
