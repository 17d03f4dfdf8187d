//! Imported indicator feeds: a plain list, a STIX 2.1 bundle or a MISP event
//! read by `detect::indicators::load`, stored under a name, and joined to the
//! monitoring pipeline's live indicators (beside botnet listings and incident
//! observables) until each indicator expires.
//!
//! ```text
//!  file ─► detect loaders (every value checked; any problem: nothing written)
//!       ─► store::indicator_feeds::replace (one transaction, audited)
//!       ─► live set rebuilt (before the answer) ─► retro-hunt of kept events (background, audited)
//! ```
//!
//! * **Name**: a feed is known by its name; importing the same name again
//!   replaces its indicators (the feed keeps its id).
//! * **TLP**: `tlp` applies to the indicators the file does not mark (STIX
//!   marking definitions, MISP `tlp:` tags and `# tlp:` lines win).
//! * **Expiry**: `expires_days` sets the expiry of the indicators the file
//!   gives none (STIX `valid_until`, `# expires:` lines win); without it they
//!   do not expire. An expired indicator leaves the live set at once (the
//!   scanner's clock) and is left out when the set is rebuilt; it stays in
//!   the feed until the feed is replaced or deleted.
//! * **Who**: the coordinator imports and deletes; every role may read the
//!   list of feeds (names and counts, never the values).

use crate::events::NewIndicators;
use crate::{invalid, App, AppError, Result};
use chrono::{DateTime, Duration, TimeZone, Utc};
use detect::indicators::load::{self, IocError, LoadOptions, Loaded};
use detect::indicators::{Indicator, Observable, ObservableKind, Tlp};
use domain::{Capability, FieldErrors, Scope};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use store::indicator_feeds::{Feed, FeedIndicator, NewFeed, NewIndicator};

/// Most indicators one feed may hold.
pub const MAX_INDICATORS: usize = 2_000_000;
/// Problems spelled out in a refusal (the count says how many in all).
const SHOWN_PROBLEMS: usize = 20;
/// Longest expiry accepted, in days (ten years).
const MAX_DAYS: i64 = 3650;

/// How to read a feed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// Recognised from the content: JSON is STIX or MISP, anything else a plain list.
    Auto,
    Plain,
    Stix,
    Misp,
}

impl FeedFormat {
    /// `auto` (or empty), `plain`, `stix`, `misp`.
    pub fn parse(s: &str) -> Result<FeedFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(FeedFormat::Auto),
            "plain" | "text" | "txt" => Ok(FeedFormat::Plain),
            "stix" | "stix2" | "stix2.1" => Ok(FeedFormat::Stix),
            "misp" => Ok(FeedFormat::Misp),
            other => Err(invalid(
                "format",
                format!("'{other}' không phải auto, plain, stix hoặc misp (not auto, plain, stix or misp)"),
            )),
        }
    }
}

/// A stored format code as people read it.
pub fn format_label(code: &str) -> &'static str {
    match code {
        "plain" => "Danh sách (văn bản)",
        "stix" => "STIX 2.1",
        "misp" => "MISP",
        _ => "?",
    }
}

/// A stored format code in English.
pub fn format_label_en(code: &str) -> &'static str {
    match code {
        "plain" => "Plain list",
        "stix" => "STIX 2.1",
        "misp" => "MISP",
        _ => "?",
    }
}

/// A stored TLP code as its label (`TLP:AMBER+STRICT`).
pub fn tlp_label(code: &str) -> String {
    code.parse::<Tlp>()
        .map(|t| t.label_en().to_string())
        .unwrap_or_else(|_| code.to_string())
}

/// What to import: the edges pass what the person wrote, checked here.
#[derive(Debug, Clone, Default)]
pub struct FeedImport {
    pub name: String,
    pub file_name: String,
    /// See [`FeedFormat::parse`].
    pub format: String,
    /// A TLP (`clear`, `green`, `amber`, `amber+strict`, `red`); empty: amber.
    pub tlp: String,
    /// Days until the indicators the file gives no expiry expire; none: never.
    pub expires_days: Option<i64>,
}

/// What an import wrote.
#[derive(Debug, Clone, Serialize)]
pub struct FeedReport {
    pub feed_id: i64,
    pub name: String,
    /// `plain`, `stix` or `misp`.
    pub format: &'static str,
    pub indicators: usize,
    /// Already expired when imported (stored, never matched).
    pub expired: usize,
    /// The same value again in the file, kept once.
    pub duplicates: usize,
    /// Left out on purpose (revoked, `to_ids: false`, unsupported MISP types), by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Indicators of the feed this import replaced.
    pub replaced: Option<i64>,
    pub default_expires_at: Option<DateTime<Utc>>,
    /// The live set's size after the import (0 where monitoring does not run here).
    pub live_indicators: usize,
}

/// A problem of the file as a person reads it: the detect loaders' reason,
/// with a Vietnamese reading of the common ones.
fn reason_vi(reason: &str) -> String {
    const PATTERNS: &[(&str, &str)] = &[
        (
            "unsupported pattern_type",
            "kiểu mẫu (pattern_type) không được hỗ trợ",
        ),
        ("unsupported pattern", "mẫu STIX (pattern) không đọc được"),
        ("no pattern", "chỉ dấu STIX không có mẫu (pattern)"),
        (
            "valid_until",
            "thời hạn (valid_until) không đúng dạng thời gian RFC 3339",
        ),
        ("no type or value", "thuộc tính MISP thiếu type hoặc value"),
        (
            "is not a date",
            "không phải ngày (YYYY-MM-DD) hoặc thời gian RFC 3339",
        ),
        ("is not a valid", "giá trị không hợp lệ"),
        (
            "cannot tell what",
            "không nhận ra loại giá trị; ghi rõ loại ở đầu dòng (vd. domain:, md5:, file:)",
        ),
        (
            "hex digits",
            "độ dài mã băm không đúng (MD5 32, SHA-1 40, SHA-256 64, SHA-512 128 ký tự)",
        ),
        (
            "punycode",
            "tên miền quốc tế phải viết dạng punycode (xn--…)",
        ),
    ];
    match PATTERNS.iter().find(|(p, _)| reason.contains(p)) {
        Some((_, vi)) => format!("{vi} ({reason})"),
        None => reason.to_string(),
    }
}

/// A loader's position in Vietnamese where it is a line (`line 3` → `dòng 3`);
/// JSON paths (`objects[4] indicator--…`, `Event.Attribute[2]`) stay as written.
fn position_vi(position: &str) -> String {
    match position.strip_prefix("line ") {
        Some(n) => format!("dòng {n}"),
        None => position.to_string(),
    }
}

/// Reads the file as `format` says; a file that is not an indicator file at
/// all is `Err((position, reason))`.
fn read(
    bytes: &[u8],
    format: FeedFormat,
    opts: &LoadOptions,
) -> std::result::Result<Loaded, (String, String)> {
    let json_error = |line: usize, column: usize, message: String| {
        (
            format!("dòng {line}, cột {column} (line {line}, column {column})"),
            format!("JSON không hợp lệ (invalid JSON): {message}"),
        )
    };
    let parse_json = |bytes: &[u8]| {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        serde_json::from_slice::<serde_json::Value>(bytes)
            .map_err(|e| json_error(e.line(), e.column(), e.to_string()))
    };
    match format {
        FeedFormat::Auto => load::load(bytes, opts).map_err(|e| match e {
            IocError::Json {
                line,
                column,
                message,
            } => json_error(line, column, message),
            IocError::UnknownJson => (
                "tệp (file)".into(),
                "JSON không phải gói STIX 2.1 hay sự kiện MISP (neither a STIX bundle nor a MISP event)".into(),
            ),
        }),
        FeedFormat::Plain => {
            let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
                .map_err(|e| {
                    (
                        format!("byte {}", e.valid_up_to()),
                        "tệp không phải văn bản UTF-8 (not UTF-8 text)".to_string(),
                    )
                })?;
            Ok(load::plain(text, opts))
        }
        FeedFormat::Stix => {
            let json = parse_json(bytes)?;
            if !json.get("objects").is_some_and(serde_json::Value::is_array) {
                return Err((
                    "tệp (file)".into(),
                    "không phải gói STIX 2.1: thiếu mảng objects (not a STIX bundle: no objects array)".into(),
                ));
            }
            Ok(load::stix_bundle(&json, opts))
        }
        FeedFormat::Misp => {
            let json = parse_json(bytes)?;
            Ok(load::misp(&json, opts))
        }
    }
}

fn name_checked(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "đặt tên nguồn chỉ dấu, tối đa 100 ký tự (name the feed, up to 100 characters)",
        ));
    }
    Ok(n.to_string())
}

fn ms_time(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

/// A stored feed indicator as a live indicator (source: the feed's name).
pub(crate) fn live_indicator(i: &FeedIndicator) -> Option<Indicator> {
    let kind = i.kind.parse::<ObservableKind>().ok()?;
    let observable = Observable::parse_as(kind, &i.value).ok()?;
    Some(Indicator {
        observable,
        source: Arc::from(source_name(&i.feed).as_str()),
        tlp: i.tlp.parse().unwrap_or(Tlp::Amber),
        valid_until: i.expires_at.map(|t| t.timestamp_millis()),
        id: None,
    })
}

/// How a feed is named as the source of a hit (in the alert's title).
pub fn source_name(feed: &str) -> String {
    format!("nguồn {feed}")
}

impl App {
    /// Imports a feed file: every value is checked first; any problem and
    /// nothing is written, each problem named by file, position and reason.
    /// The feed of the same name is replaced in the same transaction. The
    /// live indicators are rebuilt before answering; kept events are
    /// retro-hunted in the background.
    pub async fn import_indicator_feed(
        &self,
        scope: &Scope,
        how: &FeedImport,
        bytes: Vec<u8>,
    ) -> Result<FeedReport> {
        if !scope.may(Capability::Coordinate) {
            return Err(AppError::Forbidden(
                "chỉ đơn vị điều phối nhập nguồn chỉ dấu (only the coordinator imports indicator feeds)".into(),
            ));
        }
        let name = name_checked(&how.name)?;
        let format = FeedFormat::parse(&how.format)?;
        let tlp = match how.tlp.trim() {
            "" => Tlp::Amber,
            t => t.parse::<Tlp>().map_err(|_| {
                invalid(
                    "tlp",
                    format!("'{t}' không phải mức TLP (clear, green, amber, amber+strict, red)"),
                )
            })?,
        };
        if let Some(d) = how.expires_days {
            if !(1..=MAX_DAYS).contains(&d) {
                return Err(invalid(
                    "expires_days",
                    format!("số ngày hết hạn phải từ 1 đến {MAX_DAYS} (days from 1 to {MAX_DAYS})"),
                ));
            }
        }
        let file_name = match how.file_name.trim() {
            "" => "upload".to_string(),
            f => f.chars().take(200).collect(),
        };
        let now = Utc::now();
        let default_expires_at = how.expires_days.map(|d| now + Duration::days(d));
        let opts = LoadOptions {
            source: name.clone(),
            tlp,
            valid_until: default_expires_at.map(|t| t.timestamp_millis()),
        };
        let loaded = tokio::task::spawn_blocking(move || read(&bytes, format, &opts))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let loaded = match loaded {
            Ok(l) => l,
            Err((position, reason)) => {
                return Err(invalid(
                    "file",
                    format!("{file_name}, {position}: {reason}"),
                ));
            }
        };
        if loaded.problem_count > 0 {
            let mut errs = FieldErrors::default();
            errs.push(
                "file",
                format!(
                    "{file_name}: {} lỗi, không ghi gì (problems; nothing was written)",
                    loaded.problem_count
                ),
            );
            for p in loaded.problems.iter().take(SHOWN_PROBLEMS) {
                errs.push(
                    "file",
                    format!(
                        "{file_name}, {}: {}",
                        position_vi(&p.position),
                        reason_vi(&p.reason)
                    ),
                );
            }
            return Err(AppError::Invalid(errs));
        }
        if loaded.indicators.is_empty() {
            return Err(invalid(
                "file",
                format!("{file_name}: tệp không có chỉ dấu nào dùng được (the file holds no usable indicator)"),
            ));
        }
        if loaded.indicators.len() > MAX_INDICATORS {
            return Err(AppError::TooLarge(format!(
                "{file_name}: quá {MAX_INDICATORS} chỉ dấu (over {MAX_INDICATORS} indicators)"
            )));
        }
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        let mut rows = Vec::with_capacity(loaded.indicators.len());
        let mut live = Vec::with_capacity(loaded.indicators.len());
        let (mut duplicates, mut expired) = (0, 0);
        let now_ms = now.timestamp_millis();
        for ind in &loaded.indicators {
            let o = &ind.observable;
            if !seen.insert((o.kind().as_str(), o.value())) {
                duplicates += 1;
                continue;
            }
            let expires_at = ind.valid_until.and_then(ms_time);
            if ind.valid_until.is_some_and(|t| t <= now_ms) {
                expired += 1;
            } else {
                live.push(Indicator {
                    source: Arc::from(source_name(&name).as_str()),
                    ..ind.clone()
                });
            }
            rows.push(NewIndicator {
                kind: o.kind().as_str().to_string(),
                value: o.value().to_string(),
                tlp: ind.tlp.as_str().to_string(),
                expires_at,
            });
        }
        let new = NewFeed {
            name: &name,
            format: loaded.format,
            tlp: tlp.as_str(),
            file_name: &file_name,
            expires_days: how.expires_days,
            default_expires_at,
        };
        let mut tx = self.store.begin().await?;
        let (feed_id, before) =
            store::indicator_feeds::replace(&mut tx, scope, &new, &rows).await?;
        tx.commit().await?;
        let live_indicators = self.refresh_indicators().await?;
        self.retro_hunt_in_background(NewIndicators::Feed(name.clone(), live));
        Ok(FeedReport {
            feed_id,
            name,
            format: loaded.format,
            indicators: rows.len(),
            expired,
            duplicates,
            skipped: loaded.skipped,
            replaced: before.map(|b| b.indicators),
            default_expires_at,
            live_indicators,
        })
    }

    /// The imported feeds (names, formats, TLP, counts; never the values).
    pub async fn indicator_feeds(&self, _scope: &Scope) -> Result<Vec<Feed>> {
        Ok(store::indicator_feeds::list(&mut self.store.conn(), Utc::now()).await?)
    }

    /// Deletes a feed and its indicators (audited); they leave the live set
    /// before the answer.
    pub async fn delete_indicator_feed(&self, scope: &Scope, id: i64) -> Result<Feed> {
        if !scope.may(Capability::Coordinate) {
            return Err(AppError::Forbidden(
                "chỉ đơn vị điều phối xóa nguồn chỉ dấu (only the coordinator deletes indicator feeds)".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let feed = store::indicator_feeds::delete(&mut tx, scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.refresh_indicators().await?;
        Ok(feed)
    }

    /// The feeds' active indicators, for the live set.
    pub(crate) async fn feed_indicators(&self) -> Result<Vec<Indicator>> {
        let rows = store::indicator_feeds::active(&mut self.store.conn(), Utc::now()).await?;
        Ok(rows.iter().filter_map(live_indicator).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> LoadOptions {
        LoadOptions::for_file("test")
    }

    #[test]
    fn formats_and_problems() {
        assert_eq!(FeedFormat::parse("").unwrap(), FeedFormat::Auto);
        assert_eq!(FeedFormat::parse("STIX").unwrap(), FeedFormat::Stix);
        assert!(FeedFormat::parse("csv").is_err());
        let (pos, reason) = read(b"{\"type\": \"bundle\",", FeedFormat::Auto, &opts()).unwrap_err();
        assert!(pos.contains("dòng 1"), "{pos}");
        assert!(reason.contains("JSON"), "{reason}");
        let (_, reason) = read(b"{\"a\": 1}", FeedFormat::Stix, &opts()).unwrap_err();
        assert!(reason.contains("objects"), "{reason}");
        let l = read(b"evil.example\n198.51.100.7\n", FeedFormat::Plain, &opts()).unwrap();
        assert_eq!(l.indicators.len(), 2);
        assert!(reason_vi("unsupported pattern \"[x]\": y").starts_with("mẫu STIX"));
        assert_eq!(tlp_label("amber_strict"), "TLP:AMBER+STRICT");
        assert_eq!(format_label("misp"), "MISP");
        assert_eq!(position_vi("line 3"), "dòng 3");
    }
}
