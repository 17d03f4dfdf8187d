//! Large synthetic inventories for benchmarks, derived from the demo's own
//! assets so that their shape (software, OS builds, appliances) is realistic.

use crate::Province;

/// The columns of the registry's asset import, in order.
pub const ASSET_COLUMNS: [&str; 13] = [
    "system_code",
    "hostname",
    "role",
    "ips",
    "domains",
    "os_name",
    "os_version",
    "os_build",
    "software",
    "modules",
    "hotfixes",
    "kbs",
    "notes",
];

/// `n` asset rows spread over the province's systems. Row `i` copies the
/// shape of one demo asset and gets its own host name and internal address,
/// so the same province and `n` always give the same rows.
pub fn asset_rows(province: &Province, n: usize) -> impl Iterator<Item = Vec<String>> + '_ {
    let systems: Vec<_> = province
        .systems
        .iter()
        .filter(|s| !s.assets.is_empty())
        .collect();
    (0..n).map(move |i| {
        let s = systems[i % systems.len()];
        let a = &s.assets[(i / systems.len()) % s.assets.len()];
        let join = |v: Vec<String>, sep: &str| v.join(sep);
        vec![
            s.input.code.to_string(),
            format!("{}-{i:06}", a.hostname),
            a.role.as_str().to_string(),
            format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
            join(a.domains.iter().map(|d| d.to_string()).collect(), " "),
            a.os_name.clone().unwrap_or_default(),
            a.os_version.clone().unwrap_or_default(),
            a.os_build.clone().unwrap_or_default(),
            join(a.software.iter().map(|s| s.to_string()).collect(), "; "),
            a.modules.join(" "),
            a.hotfixes.join(" "),
            join(a.kbs.iter().map(|k| k.to_string()).collect(), " "),
            String::new(),
        ]
    })
}

/// One CSV field, quoted when it must be (RFC 4180).
pub fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_deterministic_and_distinct() {
        let p = crate::generate(2025);
        let a: Vec<_> = asset_rows(&p, 500).collect();
        let b: Vec<_> = asset_rows(&p, 500).collect();
        assert_eq!(a, b);
        let hosts: std::collections::HashSet<_> = a.iter().map(|r| (&r[0], &r[1])).collect();
        assert_eq!(hosts.len(), 500);
        assert!(a.iter().all(|r| r.len() == ASSET_COLUMNS.len()));
    }
}
