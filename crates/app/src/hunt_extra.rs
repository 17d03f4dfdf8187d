//! What `canhgac hunt` adds to rule matching: indicators (`--ioc FILE`) and
//! correlation rules. Indicator hits and correlation detections are reported
//! like rule detections: an indicator as the rule `indicator: TYPE VALUE
//! (source)` at level high with its TLP and the event field in the tags; a
//! correlation under its own title and level, its group and count in the
//! title, at the event that completed it (or, for a window decided at the
//! end of the files, with no event).

use crate::hunt::{Detection, HuntError};
use detect::correlation::{event_time_ms, CorrelationHit, Limits, Ref};
use detect::indicators::load::{load, LoadOptions, Problem};
use detect::indicators::{FieldMap, IndicatorSet, IocScanner};
use detect::{Correlator, Engine, Event, Level, RuleInfo};
use std::path::{Path, PathBuf};

/// Indicators for a hunt (none by default).
#[derive(Debug, Default)]
pub struct Extras {
    pub indicators: Option<IndicatorSet>,
}

/// What one indicator file held.
#[derive(Debug)]
pub struct IocFileReport {
    pub path: String,
    pub format: &'static str,
    pub loaded: usize,
    pub problems: Vec<Problem>,
    pub problem_count: usize,
    pub skipped: Vec<(String, usize)>,
}

/// Reads indicator files (plain lists, STIX 2.1 bundles, MISP events) and an
/// optional field mapping; indicators expired now are left out.
pub fn load_indicators(
    files: &[PathBuf],
    fields: Option<&Path>,
) -> Result<(IndicatorSet, Vec<IocFileReport>), HuntError> {
    let mut map = FieldMap::default();
    if let Some(p) = fields {
        let text = std::fs::read_to_string(p).map_err(|source| HuntError::Io {
            path: p.display().to_string(),
            source,
        })?;
        let extra = FieldMap::from_yaml(&text).map_err(|e| HuntError::Config {
            path: p.display().to_string(),
            message: e.to_string(),
        })?;
        map.extend(extra);
    }
    let mut all = Vec::new();
    let mut reports = Vec::new();
    for f in files {
        let path = f.display().to_string();
        let bytes = std::fs::read(f).map_err(|source| HuntError::Io {
            path: path.clone(),
            source,
        })?;
        let name = f
            .file_name()
            .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
        let loaded =
            load(&bytes, &LoadOptions::for_file(&name)).map_err(|e| HuntError::Config {
                path: path.clone(),
                message: e.to_string(),
            })?;
        reports.push(IocFileReport {
            path,
            format: loaded.format,
            loaded: loaded.indicators.len(),
            problems: loaded.problems,
            problem_count: loaded.problem_count,
            skipped: loaded.skipped.into_iter().collect(),
        });
        all.extend(loaded.indicators);
    }
    let now = chrono::Utc::now().timestamp_millis();
    Ok((IndicatorSet::build(all, map, now), reports))
}

/// The lines printed about indicator files (Vietnamese first).
pub fn ioc_report_text(set: &IndicatorSet, reports: &[IocFileReport]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for r in reports {
        let _ = writeln!(
            s,
            "Chỉ báo / indicators: {}  ({}) {} loaded, {} problems{}",
            r.path,
            r.format,
            r.loaded,
            r.problem_count,
            r.skipped
                .iter()
                .map(|(why, n)| format!(", {n} skipped ({why})"))
                .collect::<String>()
        );
        for p in &r.problems {
            let _ = writeln!(s, "  {}: {p}", r.path);
        }
    }
    let st = set.stats;
    let _ = writeln!(
        s,
        "Chỉ báo dùng được / indicators in use: {} ({} expired, {} duplicates{})",
        st.indicators,
        st.expired,
        st.duplicates,
        if st.unmatchable > 0 {
            format!(", {} e-mail addresses not matched", st.unmatchable)
        } else {
            String::new()
        }
    );
    s
}

/// Per-hunt state: the indicator scanner and the correlator.
pub struct ExtraScanner<'a> {
    engine: &'a Engine,
    iocs: Option<(&'a IndicatorSet, IocScanner<'a>)>,
    corr: Correlator<'a>,
    /// Matches read by a correlation in events without a readable time.
    pub untimed: usize,
}

impl<'a> ExtraScanner<'a> {
    pub fn new(engine: &'a Engine, extras: &'a Extras) -> Self {
        ExtraScanner {
            engine,
            iocs: extras.indicators.as_ref().map(|s| (s, s.scanner())),
            // Files are read one after the other, not merged by time: a later
            // file may go back in time, so any lateness is accepted and the
            // cap on groups bounds the memory instead.
            corr: Correlator::new(
                engine.correlations(),
                Limits {
                    max_delay_ms: i64::MAX / 4,
                    ..Limits::default()
                },
            ),
            untimed: 0,
        }
    }

    /// Whether a rule's own matches are reported (not when only a
    /// correlation with `generate: false` names it).
    pub fn reports(&self, rule: usize) -> bool {
        self.engine.correlations().reports_alone(Ref::Rule(rule))
    }

    /// Indicator hits in an event.
    pub fn on_event(&mut self, ev: &Event, file: &str, record: usize, out: &mut Vec<Detection>) {
        let Some((set, sc)) = &mut self.iocs else {
            return;
        };
        for h in sc.scan(ev) {
            let ind = &set.indicators()[h.indicator];
            let field = ev.fields().get(h.field).map_or("", |(n, _)| &**n);
            let info = RuleInfo {
                id: ind.id.clone().unwrap_or_default(),
                name: None,
                title: ind.title(),
                level: Level::High,
                status: String::new(),
                author: ind.source.to_string(),
                tags: vec![format!("tlp:{}", ind.tlp), format!("field:{field}")],
                logsource: Default::default(),
                source: String::new(),
            };
            out.push(crate::hunt::event_detection(ev, file, record, &info));
        }
    }

    /// A rule matched: correlations reading it may fire.
    pub fn on_match(
        &mut self,
        ev: &Event,
        rule: usize,
        file: &str,
        record: usize,
        out: &mut Vec<Detection>,
    ) {
        if !self.engine.correlations().reads(rule) {
            return;
        }
        let Some(t) = event_time_ms(ev) else {
            self.untimed += 1;
            return;
        };
        for hit in self.corr.feed_event(t, rule, ev) {
            if let Some(d) = self.correlation(&hit, Some((ev, file, record))) {
                out.push(d);
            }
        }
    }

    /// End of the files: windows still open are decided.
    pub fn finish(&mut self, out: &mut Vec<Detection>) {
        for hit in self.corr.flush() {
            if let Some(d) = self.correlation(&hit, None) {
                out.push(d);
            }
        }
    }

    fn correlation(
        &self,
        hit: &CorrelationHit,
        at: Option<(&Event, &str, usize)>,
    ) -> Option<Detection> {
        if !hit.report {
            return None;
        }
        let rule = &self.engine.correlations().rules()[hit.correlation];
        let group: Vec<String> = hit.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut info = rule.info.clone();
        info.title = format!(
            "{} [{}; {} {}]",
            info.title,
            group.join(", "),
            hit.count,
            rule.kind.as_str()
        );
        let mut d = match at {
            Some((ev, file, record)) => crate::hunt::event_detection(ev, file, record, &info),
            None => crate::hunt::event_detection(&Event::new(), "", 0, &info),
        };
        d.time = chrono::DateTime::from_timestamp_millis(hit.last_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        Some(d)
    }

    /// What the correlator had to ignore or drop.
    pub fn correlation_stats(&self) -> detect::correlation::Stats {
        self.corr.stats
    }
}
