//! What of an event is indexed: its host, addresses (the indicator field
//! map's `ip` fields too), domains with their parents, file hashes, file
//! names, users, and `field=value` for short values of fields that are not
//! unique per event.

use crate::Kind;
use detect::indicators::FieldMap;
use detect::Event;

/// Fields whose values are unique per event (times, GUIDs, record and
/// process numbers): indexing them as `field=value` would cost much and
/// find nothing anyone searches for.
pub const UNIQUE_FIELDS: &[&str] = &[
    "utctime",
    "processguid",
    "parentprocessguid",
    "logonguid",
    "eventrecordid",
    "processid",
    "parentprocessid",
    "systemtime",
    "timecreated",
    "@timestamp",
    "timestamp",
    "logonid",
    "targetlogonid",
    "subjectlogonid",
    "threadid",
    "activityid",
    "executionprocessid",
    "executionthreadid",
    "creationutctime",
    "previouscreationutctime",
    "event.created",
    "event.ingested",
    "hashes",
];

pub const USER_FIELDS: &[&str] = &[
    "User",
    "TargetUserName",
    "SubjectUserName",
    "AccountName",
    "user.name",
    "UserName",
    "user",
    "suser",
    "duser",
];

/// Longest value indexed as `field=value`.
pub const MAX_FIELD_VALUE: usize = 96;
pub fn domain_terms(out: &mut Vec<(Kind, String)>, v: &str) {
    let d = v.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() || d.len() > 253 || d.parse::<std::net::IpAddr>().is_ok() || !d.contains('.') {
        return;
    }
    // The name and its parents down to two labels, so that a listed
    // domain finds its subdomains with one term.
    let mut rest = d.as_str();
    loop {
        out.push((Kind::Domain, rest.to_string()));
        match rest.split_once('.') {
            Some((_, r)) if r.contains('.') => rest = r,
            _ => break,
        }
    }
}

pub fn url_host(u: &str) -> Option<&str> {
    let rest = u.split_once("://").map_or(u, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.trim_start_matches('[').split(']').next()?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The terms an event is found by (sorted, distinct). `host` and
/// `addresses` as the caller reads them.
pub fn terms(
    ev: &Event,
    fields: &FieldMap,
    host: Option<&str>,
    addresses: &[String],
) -> Vec<(Kind, String)> {
    let mut terms: Vec<(Kind, String)> = Vec::new();
    if let Some(h) = host {
        terms.push((Kind::Host, h.to_lowercase()));
        if let Some((short, _)) = h.split_once('.') {
            terms.push((Kind::Host, short.to_lowercase()));
        }
    }
    for a in addresses {
        terms.push((Kind::Addr, a.clone()));
    }
    for f in fields.fields("ip") {
        if let Some(v) = ev.get_text(f) {
            let v = v.trim().trim_start_matches("::ffff:");
            if let Ok(ip) = v.parse::<std::net::IpAddr>() {
                terms.push((Kind::Addr, ip.to_string()));
            }
        }
    }
    for f in fields.fields("domain") {
        if let Some(v) = ev.get_text(f) {
            domain_terms(&mut terms, &v);
        }
    }
    for f in fields.fields("url") {
        if let Some(v) = ev.get_text(f) {
            if let Some(h) = url_host(&v) {
                match h.parse::<std::net::IpAddr>() {
                    Ok(ip) => terms.push((Kind::Addr, ip.to_string())),
                    Err(_) => domain_terms(&mut terms, h),
                }
            }
        }
    }
    for f in fields.fields("hash") {
        if let Some(v) = ev.get_text(f) {
            for part in v.split([',', '=', ';', ' ']) {
                let p = part.trim();
                if matches!(p.len(), 32 | 40 | 64 | 128) && p.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    terms.push((Kind::Hash, p.to_ascii_lowercase()));
                }
            }
        }
    }
    for f in fields.fields("file") {
        if let Some(v) = ev.get_text(f) {
            if let Some(name) = v.rsplit(['\\', '/']).next().map(str::trim) {
                if !name.is_empty() {
                    terms.push((Kind::File, name.to_lowercase()));
                }
            }
        }
    }
    for f in USER_FIELDS {
        if let Some(v) = ev.get_text(f) {
            let v = v.trim();
            if !v.is_empty() && v != "-" {
                terms.push((Kind::User, v.to_lowercase()));
            }
        }
    }
    for (name, v) in ev.fields() {
        let t = v.as_text();
        let t = t.trim();
        if t.is_empty()
            || t == "-"
            || t.len() > MAX_FIELD_VALUE
            || UNIQUE_FIELDS.iter().any(|u| name.eq_ignore_ascii_case(u))
        {
            continue;
        }
        terms.push((Kind::Field, format!("{}={}", name.to_lowercase(), t)));
    }
    terms.sort();
    terms.dedup();
    terms
}
