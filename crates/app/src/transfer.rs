//! Import and export of the registry as CSV and XLSX, the way agencies keep it.
//!
//! An import is all-or-nothing: every row is parsed and checked first, each
//! problem reported with its row, column and reason; only a file with no
//! problems is written, in one transaction (unless the caller keeps the valid
//! rows). Rows are matched to existing records by their natural key
//! (organisation short name, system code, system code + host name), so
//! re-importing an exported file updates rather than duplicates.

use crate::{App, AppError, Result};
use domain::{
    Approval, AssetInput, Cidr, Contact, FieldErrors, InfoSystemInput, OrgInput, OrgType,
    Protection, Scope,
};
use sheets::{Format, Table};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use store::assets::{Asset, AssetFilter};
use store::orgs::{Org, OrgFilter};
use store::systems::{InfoSystem, SystemFilter};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Orgs,
    Systems,
    Assets,
    Blocks,
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "orgs" | "organisations" | "organizations" => Ok(Kind::Orgs),
            "systems" => Ok(Kind::Systems),
            "assets" => Ok(Kind::Assets),
            "blocks" | "address-blocks" => Ok(Kind::Blocks),
            other => Err(format!(
                "'{other}' is not one of: orgs, systems, assets, blocks"
            )),
        }
    }
}

/// A column of an import file: its code (what exports write) and the
/// Vietnamese heading people may use instead.
struct Column {
    code: &'static str,
    vi: &'static str,
    required: bool,
}

const fn col(code: &'static str, vi: &'static str, required: bool) -> Column {
    Column { code, vi, required }
}

const ORG_COLUMNS: &[Column] = &[
    col("short_name", "Tên viết tắt", true),
    col("name", "Tên đơn vị", true),
    col("org_type", "Loại đơn vị", true),
    col("parent", "Đơn vị cấp trên", false),
    col("address", "Địa chỉ", false),
    col("contact_name", "Người liên hệ", false),
    col("contact_title", "Chức vụ", false),
    col("contact_phone", "Điện thoại", false),
    col("contact_email", "Thư điện tử", false),
    col("duty_name", "Đầu mối trực 24/7", false),
    col("duty_phone", "Điện thoại trực 24/7", false),
    col("duty_email", "Thư điện tử trực 24/7", false),
    col("more_contacts", "Liên hệ khác", false),
    col("address_blocks", "Dải địa chỉ IP", false),
    col("asns", "Số hiệu mạng (ASN)", false),
];

const SYSTEM_COLUMNS: &[Column] = &[
    col("code", "Mã hệ thống", true),
    col("name", "Tên hệ thống", true),
    col("owner", "Chủ quản", true),
    col("operator", "Đơn vị vận hành", false),
    col("function_type", "Loại hệ thống", true),
    col("info_types", "Loại thông tin", false),
    col("data_subjects", "Số chủ thể dữ liệu", false),
    col("proposed_level", "Cấp độ đề xuất", false),
    col("approved_level", "Cấp độ được phê duyệt", false),
    col("approval_number", "Số quyết định phê duyệt", false),
    col("approval_date", "Ngày phê duyệt", false),
    col("approval_body", "Cơ quan phê duyệt", false),
    col("internet_facing", "Kết nối Internet", false),
    col("soc_provider", "Đơn vị giám sát (SOC)", false),
    col("isp", "Doanh nghiệp viễn thông", false),
    col("onsite_force", "Lực lượng tại chỗ", false),
    col("soc_monitoring", "Giám sát SOC", false),
    col("last_assessment", "Ngày kiểm tra đánh giá gần nhất", false),
    col("ncsc_connected", "Kết nối NCSC", false),
    col("notes", "Ghi chú", false),
];

const ASSET_COLUMNS: &[Column] = &[
    col("system_code", "Mã hệ thống", true),
    col("hostname", "Tên máy", true),
    col("role", "Vai trò", true),
    col("ips", "Địa chỉ IP", false),
    col("domains", "Tên miền", false),
    col("os_name", "Hệ điều hành", false),
    col("os_version", "Phiên bản HĐH", false),
    col("os_build", "Bản dựng HĐH", false),
    col("hardware", "Thiết bị phần cứng", false),
    col("software", "Phần mềm", false),
    col("modules", "Mô-đun", false),
    col("hotfixes", "Bản vá nóng", false),
    col("kbs", "Bản cập nhật KB", false),
    col("notes", "Ghi chú", false),
];

const BLOCK_COLUMNS: &[Column] = &[
    col("org", "Đơn vị", true),
    col("cidr", "Dải địa chỉ IP", true),
];

fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Orgs => ORG_COLUMNS,
        Kind::Systems => SYSTEM_COLUMNS,
        Kind::Assets => ASSET_COLUMNS,
        Kind::Blocks => BLOCK_COLUMNS,
    }
}

/// Which systems or assets an export writes.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub systems: SystemFilter,
    pub assets: AssetFilter,
}

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// The row as the spreadsheet numbers it (the header is row 1); none for
    /// problems of the whole file.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, &self.column) {
            (Some(r), Some(c)) => write!(f, "row {r}, column {c}: {}", self.reason),
            (Some(r), None) => write!(f, "row {r}: {}", self.reason),
            (None, Some(c)) => write!(f, "column {c}: {}", self.reason),
            (None, None) => f.write_str(&self.reason),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportMode {
    /// Write the good rows even when others are bad.
    pub keep_valid: bool,
    /// Check everything, write nothing: the preview.
    pub dry_run: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub rejected: Vec<RowError>,
    /// Whether anything was written.
    pub committed: bool,
}

/// Reads one row's cells by column code and collects every problem.
struct Cells<'a> {
    row: usize,
    cells: &'a [String],
    index: &'a HashMap<&'static str, usize>,
    errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn raw(&self, col: &str) -> Option<&'a str> {
        self.index
            .get(col)
            .map(|&i| self.cells[i].trim())
            .filter(|v| !v.is_empty())
    }
    fn fail(&mut self, col: &str, reason: impl Into<String>) {
        self.errors.push(RowError {
            row: Some(self.row),
            column: Some(col.to_string()),
            reason: reason.into(),
        });
    }
    fn text(&self, col: &str) -> Option<String> {
        self.raw(col).map(str::to_string)
    }
    fn opt<T: FromStr<Err = String>>(&mut self, col: &str) -> Option<T> {
        let v = self.raw(col)?;
        match v.parse() {
            Ok(t) => Some(t),
            Err(e) => {
                self.fail(col, e);
                None
            }
        }
    }
    fn required<T: FromStr<Err = String>>(&mut self, col: &str) -> Option<T> {
        if self.raw(col).is_none() {
            self.fail(col, "is required");
            return None;
        }
        self.opt(col)
    }
    /// A list in one cell, separated by semicolons or line breaks (and, for
    /// values that cannot contain them, commas and spaces).
    fn list<T: FromStr>(&mut self, col: &str, loose: bool) -> Vec<T>
    where
        T::Err: std::fmt::Display,
    {
        let Some(v) = self.raw(col) else {
            return Vec::new();
        };
        let parts: Vec<&str> = if loose {
            v.split(|c: char| c == ';' || c == ',' || c.is_whitespace())
                .collect()
        } else {
            v.split([';', '\n']).collect()
        };
        let mut out = Vec::new();
        for p in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
            match p.parse::<T>() {
                Ok(t) => out.push(t),
                Err(e) => self.fail(col, e.to_string()),
            }
        }
        out
    }
    fn flag(&mut self, col: &str) -> bool {
        match self.raw(col).map(|v| v.to_lowercase()) {
            None => false,
            Some(v) => match v.as_str() {
                "1" | "x" | "true" | "yes" | "y" | "có" | "co" => true,
                "0" | "false" | "no" | "n" | "không" | "khong" => false,
                _ => {
                    self.fail(col, format!("'{v}' is not yes/no (có/không, 1/0)"));
                    false
                }
            },
        }
    }
    fn date(&mut self, col: &str) -> Option<chrono::NaiveDate> {
        let v = self.raw(col)?;
        let parsed = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(v, "%d/%m/%Y"))
            .or_else(|_| chrono::NaiveDate::parse_from_str(&v[..v.len().min(10)], "%Y-%m-%d"));
        match parsed {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(
                    col,
                    format!("'{v}' is not a date (dd/mm/yyyy or yyyy-mm-dd)"),
                );
                None
            }
        }
    }
}

fn file_error(reason: impl Into<String>) -> RowError {
    RowError {
        row: None,
        column: None,
        reason: reason.into(),
    }
}

/// Maps the header to column codes, accepting codes or Vietnamese headings.
fn header_index(
    kind: Kind,
    table: &Table,
) -> std::result::Result<HashMap<&'static str, usize>, Vec<RowError>> {
    let cols = columns(kind);
    let mut index = HashMap::new();
    let mut errors = Vec::new();
    for (i, h) in table.headers.iter().enumerate() {
        let h = h.trim();
        match cols
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(h) || c.vi.to_lowercase() == h.to_lowercase())
        {
            Some(c) => {
                if index.insert(c.code, i).is_some() {
                    errors.push(file_error(format!("column '{}' appears twice", c.code)));
                }
            }
            None => errors.push(RowError {
                row: Some(1),
                column: Some(h.to_string()),
                reason: format!(
                    "unknown column; the columns are: {}",
                    cols.iter().map(|c| c.code).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }
    for c in cols.iter().filter(|c| c.required) {
        if !index.contains_key(c.code) {
            errors.push(file_error(format!(
                "the required column '{}' ({}) is missing",
                c.code, c.vi
            )));
        }
    }
    if errors.is_empty() {
        Ok(index)
    } else {
        Err(errors)
    }
}

/// A parsed row ready to write: create or update the record with this id.
enum Planned<T> {
    Create(T),
    Update(i64, T),
}

impl App {
    /// Imports a file of `kind`. The report lists every rejected row; with
    /// problems and without `keep_valid`, nothing is written.
    pub async fn import(
        &self,
        scope: &Scope,
        kind: Kind,
        file_name: &str,
        bytes: &[u8],
        mode: ImportMode,
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            file: file_name.to_string(),
            rows: 0,
            created: 0,
            updated: 0,
            rejected: Vec::new(),
            committed: false,
        };
        let format = Format::from_file_name(file_name).unwrap_or_else(|| Format::sniff(bytes));
        let table = match sheets::read(bytes, format) {
            Ok(t) => t,
            // A zip bomb is refused outright, not reported as a row problem.
            Err(sheets::SheetError::ZipLimit(e)) => {
                return Err(AppError::TooLarge(format!("{file_name}: {e}")));
            }
            Err(e) => {
                report.rejected.push(file_error(e.to_string()));
                return Ok(report);
            }
        };
        report.rows = table.rows.len();
        if table.rows.is_empty() {
            report
                .rejected
                .push(file_error("the file has a header but no data rows"));
            return Ok(report);
        }
        let index = match header_index(kind, &table) {
            Ok(i) => i,
            Err(errs) => {
                report.rejected = errs;
                return Ok(report);
            }
        };
        match kind {
            Kind::Orgs => {
                self.import_orgs(scope, &table, &index, mode, &mut report)
                    .await?
            }
            Kind::Systems => {
                self.import_systems(scope, &table, &index, mode, &mut report)
                    .await?
            }
            Kind::Assets => {
                self.import_assets(scope, &table, &index, mode, &mut report)
                    .await?
            }
            Kind::Blocks => {
                self.import_blocks(scope, &table, &index, mode, &mut report)
                    .await?
            }
        }
        Ok(report)
    }

    /// Every organisation the scope may refer to, by short name.
    pub async fn org_names(&self, scope: &Scope) -> Result<HashMap<String, Org>> {
        let mut out = HashMap::new();
        let mut after = None;
        loop {
            let page = self
                .orgs(
                    scope,
                    &OrgFilter {
                        after,
                        limit: 1000,
                        ..Default::default()
                    },
                )
                .await?;
            for o in page.items {
                out.insert(o.data.short_name.as_str().to_lowercase(), o);
            }
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// Every organisation by id: its code (short name) and its full name,
    /// so that files name organisations, never by their ids.
    pub async fn org_labels(&self) -> Result<HashMap<i64, (String, String)>> {
        let all = self.org_names(&self.system_scope().await?).await?;
        Ok(all
            .into_values()
            .map(|o| {
                let labels = (o.data.short_name.to_string(), o.data.name.to_string());
                (o.id, labels)
            })
            .collect())
    }

    async fn import_orgs(
        &self,
        scope: &Scope,
        table: &Table,
        index: &HashMap<&'static str, usize>,
        mode: ImportMode,
        report: &mut ImportReport,
    ) -> Result<()> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator imports organisations".into(),
            ));
        }
        let existing = self.org_names(scope).await?;
        let mut in_file: HashSet<String> = HashSet::new();
        // Parents are resolved at write time by name: they may be earlier rows.
        let mut planned: Vec<(usize, Option<String>, Planned<OrgInput>)> = Vec::new();
        for row in &table.rows {
            let mut c = Cells {
                row: row.number,
                cells: &row.cells,
                index,
                errors: Vec::new(),
            };
            let parent = c.text("parent");
            if let Some(p) = &parent {
                let key = p.to_lowercase();
                if !existing.contains_key(&key) && !in_file.contains(&key) {
                    c.fail("parent", format!("no organisation '{p}' (a parent must exist or come earlier in the file)"));
                }
            }
            let parsed = parse_org(&mut c);
            if let Some(s) = c.raw("short_name") {
                if !in_file.insert(s.to_lowercase()) {
                    c.fail(
                        "short_name",
                        format!("'{s}' appears more than once in the file"),
                    );
                }
            }
            let Some(input) = parsed.filter(|_| c.errors.is_empty()) else {
                report.rejected.append(&mut c.errors);
                continue;
            };
            let plan = match existing.get(&input.short_name.as_str().to_lowercase()) {
                Some(o) => Planned::Update(o.id, input),
                None => Planned::Create(input),
            };
            planned.push((row.number, parent, plan));
        }
        if !self.may_write(report, mode) {
            return Ok(());
        }
        let mut ids: HashMap<String, i64> =
            existing.iter().map(|(k, o)| (k.clone(), o.id)).collect();
        let mut tx = self.store.begin().await?;
        for (row, parent, plan) in planned {
            let parent_id = parent.and_then(|p| ids.get(&p.to_lowercase()).copied());
            match plan {
                Planned::Create(mut input) => {
                    input.parent_id = parent_id;
                    let org = store::orgs::create(&mut tx, scope, &input)
                        .await
                        .map_err(|e| row_conflict(row, e))?;
                    ids.insert(input.short_name.as_str().to_lowercase(), org.id);
                    report.created += 1;
                }
                Planned::Update(id, mut input) => {
                    input.parent_id = parent_id;
                    let before = &existing[&input.short_name.as_str().to_lowercase()];
                    if before.id == id {
                        store::orgs::update(&mut tx, scope, before, &input)
                            .await
                            .map_err(|e| row_conflict(row, e))?;
                        report.updated += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        report.committed = true;
        Ok(())
    }

    /// Whether to go on to writing, given the problems found.
    fn may_write(&self, report: &ImportReport, mode: ImportMode) -> bool {
        !mode.dry_run && (report.rejected.is_empty() || mode.keep_valid)
    }

    async fn import_systems(
        &self,
        scope: &Scope,
        table: &Table,
        index: &HashMap<&'static str, usize>,
        mode: ImportMode,
        report: &mut ImportReport,
    ) -> Result<()> {
        let orgs = self.org_names(scope).await?;
        let system_scope = self.system_scope().await?;
        let today = crate::registry::today();
        let mut seen = HashSet::new();
        let mut planned: Vec<(usize, Planned<InfoSystemInput>, Option<InfoSystem>)> = Vec::new();
        for row in &table.rows {
            let mut c = Cells {
                row: row.number,
                cells: &row.cells,
                index,
                errors: Vec::new(),
            };
            if let Some(code) = c.raw("code") {
                if !seen.insert(code.to_string()) {
                    c.fail(
                        "code",
                        format!("'{code}' appears more than once in the file"),
                    );
                }
            }
            let input = parse_system(&mut c, &orgs, scope, today);
            let Some(input) = input.filter(|_| c.errors.is_empty()) else {
                report.rejected.append(&mut c.errors);
                continue;
            };
            // The code is unique across the province: look beyond the caller's scope.
            let existing = store::systems::find_by_code(
                &mut self.store.conn(),
                &system_scope,
                input.code.as_str(),
            )
            .await?;
            match existing {
                Some(s) if !scope.may_edit_registry_of(&s.tenants()) => {
                    c.fail(
                        "code",
                        format!(
                            "code '{}' is already used by another organisation's system",
                            input.code
                        ),
                    );
                    report.rejected.append(&mut c.errors);
                }
                Some(s) => planned.push((row.number, Planned::Update(s.id, input), Some(s))),
                None => planned.push((row.number, Planned::Create(input), None)),
            }
        }
        if !self.may_write(report, mode) {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        for (row, plan, before) in planned {
            match (plan, before) {
                (Planned::Create(input), _) => {
                    store::systems::create(&mut tx, scope, &input)
                        .await
                        .map_err(|e| row_conflict(row, e))?;
                    report.created += 1;
                }
                (Planned::Update(_, input), Some(before)) => {
                    store::systems::update(&mut tx, scope, &before, &input)
                        .await
                        .map_err(|e| row_conflict(row, e))?;
                    report.updated += 1;
                }
                (Planned::Update(..), None) => {}
            }
        }
        tx.commit().await?;
        report.committed = true;
        Ok(())
    }

    async fn import_assets(
        &self,
        scope: &Scope,
        table: &Table,
        index: &HashMap<&'static str, usize>,
        mode: ImportMode,
        report: &mut ImportReport,
    ) -> Result<()> {
        // Systems by code, and their existing assets by host name, loaded once.
        let mut systems: HashMap<String, Option<InfoSystem>> = HashMap::new();
        let mut existing: HashMap<(i64, String), Asset> = HashMap::new();
        let mut seen = HashSet::new();
        let mut planned: Vec<(usize, AssetInput, i64, Option<Asset>)> = Vec::new();
        for row in &table.rows {
            let mut c = Cells {
                row: row.number,
                cells: &row.cells,
                index,
                errors: Vec::new(),
            };
            let system = match c.text("system_code") {
                None => {
                    c.fail("system_code", "is required");
                    None
                }
                Some(code) => {
                    if !systems.contains_key(&code) {
                        let s = store::systems::find_by_code(&mut self.store.conn(), scope, &code)
                            .await?;
                        if let Some(s) = &s {
                            let mut after = None;
                            loop {
                                let page = self
                                    .assets(
                                        scope,
                                        &AssetFilter {
                                            system_id: Some(s.id),
                                            after,
                                            limit: 1000,
                                            ..Default::default()
                                        },
                                    )
                                    .await?;
                                for a in page.items {
                                    existing
                                        .insert((s.id, a.data.hostname.as_str().to_lowercase()), a);
                                }
                                match page.next {
                                    Some(n) => after = Some(n),
                                    None => break,
                                }
                            }
                        }
                        systems.insert(code.clone(), s);
                    }
                    match &systems[&code] {
                        None => {
                            c.fail(
                                "system_code",
                                format!("no system '{code}' that you may use"),
                            );
                            None
                        }
                        Some(s) if !scope.may_edit_registry_of(&s.tenants()) => {
                            c.fail(
                                "system_code",
                                format!("you may not edit the assets of '{code}'"),
                            );
                            None
                        }
                        Some(s) => Some((s.id, s.data.owner_org_id)),
                    }
                }
            };
            // Parsed against a placeholder system; the row's system is set below.
            let parsed = parse_asset(&mut c, 0);
            if let (Some((sid, _)), Some(h)) = (system, c.raw("hostname")) {
                if !seen.insert((sid, h.to_lowercase())) {
                    c.fail(
                        "hostname",
                        format!("'{h}' appears more than once for this system in the file"),
                    );
                }
            }
            match (system, parsed) {
                (Some((system_id, owner)), Some(mut input)) if c.errors.is_empty() => {
                    input.system_id = system_id;
                    let before = existing
                        .get(&(system_id, input.hostname.as_str().to_lowercase()))
                        .cloned();
                    planned.push((row.number, input, owner, before));
                }
                _ => report.rejected.append(&mut c.errors),
            }
        }
        if !self.may_write(report, mode) {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let mut creates = Vec::new();
        for (row, input, owner, before) in planned {
            match before {
                None => creates.push((input, owner)),
                Some(b) => {
                    if b.data != input {
                        store::assets::update(&mut tx, scope, &b, &input, owner)
                            .await
                            .map_err(|e| row_conflict(row, e))?;
                    }
                    report.updated += 1;
                }
            }
        }
        report.created = store::assets::create_many(&mut tx, scope, &creates)
            .await?
            .len();
        tx.commit().await?;
        report.committed = true;
        Ok(())
    }

    async fn import_blocks(
        &self,
        scope: &Scope,
        table: &Table,
        index: &HashMap<&'static str, usize>,
        mode: ImportMode,
        report: &mut ImportReport,
    ) -> Result<()> {
        let orgs = self.org_names(scope).await?;
        let mut additions: HashMap<i64, Vec<Cidr>> = HashMap::new();
        for row in &table.rows {
            let mut c = Cells {
                row: row.number,
                cells: &row.cells,
                index,
                errors: Vec::new(),
            };
            let cidr: Option<Cidr> = c.required("cidr");
            let org = match c.text("org") {
                None => {
                    c.fail("org", "is required");
                    None
                }
                Some(name) => match orgs.get(&name.to_lowercase()) {
                    Some(o) if scope.may_edit_org(o.id) => Some(o.id),
                    Some(_) => {
                        c.fail(
                            "org",
                            format!("you may not change the address blocks of '{name}'"),
                        );
                        None
                    }
                    None => {
                        c.fail("org", format!("no organisation '{name}' that you may use"));
                        None
                    }
                },
            };
            match (org, cidr) {
                (Some(o), Some(b)) if c.errors.is_empty() => {
                    additions.entry(o).or_default().push(b)
                }
                _ => report.rejected.append(&mut c.errors),
            }
        }
        if !self.may_write(report, mode) {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let by_id: HashMap<i64, &Org> = orgs.values().map(|o| (o.id, o)).collect();
        for (org_id, blocks) in additions {
            let before = by_id[&org_id];
            let mut input = before.data.clone();
            let mut changed = false;
            for b in blocks {
                if input.address_blocks.contains(&b) {
                    report.updated += 1;
                } else {
                    input.address_blocks.push(b);
                    report.created += 1;
                    changed = true;
                }
            }
            if changed {
                store::orgs::update(&mut tx, scope, before, &input).await?;
            }
        }
        tx.commit().await?;
        report.committed = true;
        Ok(())
    }

    /// Parses a system from a web form whose fields carry the import
    /// columns' codes, with the same rules as a file row. Problems come back
    /// with the field they concern.
    pub async fn system_from_form(
        &self,
        scope: &Scope,
        fields: &[(String, String)],
    ) -> Result<std::result::Result<InfoSystemInput, Vec<RowError>>> {
        let orgs = self.org_names(scope).await?;
        let (cells, index) = form_cells(SYSTEM_COLUMNS, fields);
        let mut c = Cells {
            row: 0,
            cells: &cells,
            index: &index,
            errors: Vec::new(),
        };
        let parsed = parse_system(&mut c, &orgs, scope, crate::registry::today());
        Ok(finish_form(parsed, c.errors))
    }

    /// Parses an organisation from a web form (import column codes); the
    /// parent is named by its short name.
    pub async fn org_from_form(
        &self,
        scope: &Scope,
        fields: &[(String, String)],
    ) -> Result<std::result::Result<OrgInput, Vec<RowError>>> {
        let orgs = self.org_names(scope).await?;
        let (cells, index) = form_cells(ORG_COLUMNS, fields);
        let mut c = Cells {
            row: 0,
            cells: &cells,
            index: &index,
            errors: Vec::new(),
        };
        let parent = c.text("parent").map(|p| match orgs.get(&p.to_lowercase()) {
            Some(o) => Some(o.id),
            None => {
                c.fail("parent", format!("no organisation '{p}'"));
                None
            }
        });
        let parsed = parse_org(&mut c).map(|mut o| {
            o.parent_id = parent.flatten();
            o
        });
        Ok(finish_form(parsed, c.errors))
    }

    /// Parses an asset of `system_id` from a web form (import column codes).
    pub fn asset_from_form(
        &self,
        system_id: i64,
        fields: &[(String, String)],
    ) -> std::result::Result<AssetInput, Vec<RowError>> {
        let (cells, index) = form_cells(ASSET_COLUMNS, fields);
        let mut c = Cells {
            row: 0,
            cells: &cells,
            index: &index,
            errors: Vec::new(),
        };
        let parsed = parse_asset(&mut c, system_id);
        finish_form(parsed, c.errors)
    }

    /// Exports what the scope may see as CSV or XLSX, with the column codes
    /// the import accepts.
    pub async fn export(&self, scope: &Scope, kind: Kind, format: Format) -> Result<Vec<u8>> {
        self.export_filtered(scope, kind, format, &ExportFilter::default())
            .await
    }

    /// Exports what a list shows: the systems or assets that match `filter`
    /// (its cursor and page size are ignored; every match is written).
    pub async fn export_filtered(
        &self,
        scope: &Scope,
        kind: Kind,
        format: Format,
        filter: &ExportFilter,
    ) -> Result<Vec<u8>> {
        // A spreadsheet names closed sets by their Vietnamese labels (which
        // import reads as well as the codes); CSV keeps the codes.
        let labels = matches!(format, Format::Xlsx);
        let orgs = self.org_names(scope).await?;
        let names: HashMap<i64, String> = orgs
            .values()
            .map(|o| (o.id, o.data.short_name.to_string()))
            .collect();
        let name_of = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
        let mut rows: Vec<Vec<String>> = Vec::new();
        match kind {
            Kind::Orgs => {
                let mut list: Vec<&Org> = orgs.values().collect();
                list.sort_by_key(|o| o.id);
                for o in list {
                    let d = &o.data;
                    let first = d.contacts.first();
                    let duty = d.contact_24x7.as_ref();
                    rows.push(vec![
                        d.short_name.to_string(),
                        d.name.to_string(),
                        shown(&d.org_type, labels),
                        name_of(d.parent_id),
                        d.address.clone().unwrap_or_default(),
                        first.map(|c| c.name.to_string()).unwrap_or_default(),
                        first.and_then(|c| c.title.clone()).unwrap_or_default(),
                        first
                            .and_then(|c| c.phone.as_ref())
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                        first
                            .and_then(|c| c.email.as_ref())
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                        duty.map(|c| c.name.to_string()).unwrap_or_default(),
                        duty.and_then(|c| c.phone.as_ref())
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                        duty.and_then(|c| c.email.as_ref())
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                        d.contacts
                            .iter()
                            .skip(1)
                            .map(|c| ContactCell(c.clone()).to_string())
                            .collect::<Vec<_>>()
                            .join("; "),
                        join(&d.address_blocks, " "),
                        join(&d.asns, " "),
                    ]);
                }
            }
            Kind::Blocks => {
                let mut list: Vec<&Org> = orgs.values().collect();
                list.sort_by_key(|o| o.id);
                for o in list {
                    for b in &o.data.address_blocks {
                        rows.push(vec![o.data.short_name.to_string(), b.to_string()]);
                    }
                }
            }
            Kind::Systems => {
                let mut after = None;
                loop {
                    let page = self
                        .systems(
                            scope,
                            &SystemFilter {
                                after,
                                limit: 1000,
                                ..filter.systems.clone()
                            },
                        )
                        .await?;
                    for s in &page.items {
                        let d = &s.data;
                        let a = d.approval.as_ref();
                        rows.push(vec![
                            d.code.to_string(),
                            d.name.to_string(),
                            name_of(Some(d.owner_org_id)),
                            name_of(d.operator_org_id),
                            shown(&d.function_type, labels),
                            d.info_types
                                .iter()
                                .map(|t| shown(t, labels))
                                .collect::<Vec<_>>()
                                .join("; "),
                            d.data_subjects.map(|n| n.to_string()).unwrap_or_default(),
                            d.proposed_level.map(|l| l.to_string()).unwrap_or_default(),
                            d.approved_level.map(|l| l.to_string()).unwrap_or_default(),
                            a.map(|a| a.number.to_string()).unwrap_or_default(),
                            a.map(|a| day(a.date, labels)).unwrap_or_default(),
                            a.map(|a| a.body.to_string()).unwrap_or_default(),
                            yes_no(d.internet_facing),
                            name_of(d.soc_provider_id),
                            name_of(d.isp_id),
                            yes_no(d.protection.onsite_force),
                            yes_no(d.protection.soc_monitoring),
                            d.protection
                                .last_assessment
                                .map(|d| day(d, labels))
                                .unwrap_or_default(),
                            yes_no(d.protection.ncsc_connected),
                            d.notes.clone().unwrap_or_default(),
                        ]);
                    }
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
            }
            Kind::Assets => {
                let mut codes: HashMap<i64, String> = HashMap::new();
                let mut after = None;
                loop {
                    let page = self
                        .systems(
                            scope,
                            &SystemFilter {
                                after,
                                limit: 1000,
                                ..Default::default()
                            },
                        )
                        .await?;
                    for s in page.items {
                        codes.insert(s.id, s.data.code.to_string());
                    }
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
                let mut after = None;
                loop {
                    let page = self
                        .assets(
                            scope,
                            &AssetFilter {
                                after,
                                limit: 1000,
                                ..filter.assets.clone()
                            },
                        )
                        .await?;
                    for a in &page.items {
                        let d = &a.data;
                        rows.push(vec![
                            codes.get(&d.system_id).cloned().unwrap_or_default(),
                            d.hostname.to_string(),
                            shown(&d.role, labels),
                            join(&d.ips, " "),
                            join(&d.domains, " "),
                            d.os_name.clone().unwrap_or_default(),
                            d.os_version.clone().unwrap_or_default(),
                            d.os_build.clone().unwrap_or_default(),
                            d.hardware
                                .as_ref()
                                .map(|h| h.to_string())
                                .unwrap_or_default(),
                            join(&d.software, "; "),
                            d.modules.join(" "),
                            d.hotfixes.join(" "),
                            join(&d.kbs, " "),
                            d.notes.clone().unwrap_or_default(),
                        ]);
                    }
                    match page.next {
                        Some(n) => after = Some(n),
                        None => break,
                    }
                }
            }
        }
        // A spreadsheet is for people: Vietnamese headings (which import
        // reads as well as the codes). CSV, for other programs, keeps the codes.
        let codes: Vec<&str> = columns(kind).iter().map(|c| c.code).collect();
        let headings: Vec<&str> = columns(kind).iter().map(|c| c.vi).collect();
        match format {
            Format::Csv => Ok(sheets::write_csv(&codes, &rows)),
            Format::Xlsx => sheets::write_xlsx(kind_sheet_name(kind), &headings, &rows)
                .map_err(|e| AppError::Internal(e.to_string())),
        }
    }
}

/// Parses one system from named cells (a file row or a web form), resolving
/// organisations by short name among those the scope may use.
fn parse_system(
    c: &mut Cells,
    orgs: &HashMap<String, Org>,
    scope: &Scope,
    today: chrono::NaiveDate,
) -> Option<InfoSystemInput> {
    let code: Option<domain::system::SystemCode> = c.required("code");
    let name = c.required("name");
    let org_ref = |c: &mut Cells, col: &str, want: Option<OrgType>| -> Option<i64> {
        let v = c.text(col)?;
        match orgs.get(&v.to_lowercase()) {
            None => {
                c.fail(col, format!("no organisation '{v}' that you may use"));
                None
            }
            Some(o) if want.is_some_and(|t| t != o.data.org_type) => {
                c.fail(
                    col,
                    format!(
                        "'{v}' is not of type {}",
                        want.map(|t| t.as_str()).unwrap_or("")
                    ),
                );
                None
            }
            Some(o) => Some(o.id),
        }
    };
    let owner = org_ref(c, "owner", None);
    if c.raw("owner").is_none() {
        c.fail("owner", "is required");
    }
    let operator = org_ref(c, "operator", None);
    let soc = org_ref(c, "soc_provider", Some(OrgType::Soc));
    let isp = org_ref(c, "isp", Some(OrgType::Isp));
    let function_type = c.required("function_type");
    let info_types = c.list("info_types", false);
    let data_subjects = c.opt::<U64Cell>("data_subjects").map(|v| v.0);
    let proposed_level = c.opt("proposed_level");
    let approved_level = c.opt("approved_level");
    let approval_number = c.opt::<domain::org::Name>("approval_number");
    let approval_date = c.date("approval_date");
    let approval_body = c.opt::<domain::org::Name>("approval_body");
    let approval = match (approval_number, approval_date, approval_body) {
        (Some(number), Some(date), Some(body)) => Some(Approval { number, date, body }),
        (None, None, None) => None,
        _ => {
            c.fail(
                "approval_number",
                "the approval needs its number, date and body together",
            );
            None
        }
    };
    let internet_facing = c.flag("internet_facing");
    let protection = Protection {
        onsite_force: c.flag("onsite_force"),
        soc_monitoring: c.flag("soc_monitoring"),
        last_assessment: c.date("last_assessment"),
        ncsc_connected: c.flag("ncsc_connected"),
    };
    let notes = c.text("notes");
    if let Some(o) = owner {
        if !scope.may_edit_registry_of(&[o]) {
            c.fail(
                "owner",
                "you may only register systems of your own organisation",
            );
        }
    }
    match (code, name, owner, function_type) {
        (Some(code), Some(name), Some(owner_org_id), Some(function_type))
            if c.errors.is_empty() =>
        {
            let input = InfoSystemInput {
                code,
                name,
                owner_org_id,
                operator_org_id: operator,
                function_type,
                info_types,
                data_subjects,
                proposed_level,
                approved_level,
                approval,
                internet_facing,
                soc_provider_id: soc,
                isp_id: isp,
                protection,
                notes,
            };
            report_field_errors(c, input.cross_field_problems(today));
            Some(input)
        }
        _ => None,
    }
}

/// Parses one organisation from named cells (a file row or a web form); the
/// parent is resolved by the caller.
fn parse_org(c: &mut Cells) -> Option<OrgInput> {
    let short_name: Option<domain::org::Name> = c.required("short_name");
    let name = c.required("name");
    let org_type: Option<OrgType> = c.required("org_type");
    let contact = match c.text("contact_name") {
        Some(_) => c.opt("contact_name").map(|name| Contact {
            name,
            title: c.text("contact_title"),
            phone: c.opt("contact_phone"),
            email: c.opt("contact_email"),
        }),
        None => None,
    };
    let duty = match c.text("duty_name") {
        Some(_) => c.opt("duty_name").map(|name| Contact {
            name,
            title: None,
            phone: c.opt("duty_phone"),
            email: c.opt("duty_email"),
        }),
        None => None,
    };
    let mut contacts: Vec<Contact> = contact.into_iter().collect();
    for more in c.list::<ContactCell>("more_contacts", false) {
        contacts.push(more.0);
    }
    let address_blocks: Vec<Cidr> = c.list("address_blocks", true);
    let asns = c.list("asns", true);
    let address = c.text("address");
    Some(OrgInput {
        name: name?,
        short_name: short_name?,
        org_type: org_type?,
        parent_id: None,
        address,
        contacts,
        contact_24x7: duty,
        address_blocks,
        asns,
    })
}

/// Parses one asset of `system_id` from named cells (a file row or a web form).
fn parse_asset(c: &mut Cells, system_id: i64) -> Option<AssetInput> {
    let hostname: Option<domain::org::Name> = c.required("hostname");
    let role = c.required("role");
    let ips = c
        .list::<IpCell>("ips", true)
        .into_iter()
        .map(|i| i.0)
        .collect();
    let domains = c.list("domains", true);
    let software = c.list("software", false);
    let modules = c.list::<String>("modules", true);
    let hotfixes = c.list::<String>("hotfixes", true);
    let kbs = c.list("kbs", true);
    Some(AssetInput {
        system_id,
        hostname: hostname?,
        role: role?,
        ips,
        domains,
        os_name: c.text("os_name"),
        os_version: c.text("os_version"),
        os_build: c.text("os_build"),
        hardware: c.opt("hardware"),
        software,
        modules,
        hotfixes,
        kbs,
        notes: c.text("notes"),
    })
}

/// A web form's fields laid out as one row of `columns`; repeated names
/// (check boxes) are joined as a list cell.
fn form_cells(
    columns: &[Column],
    fields: &[(String, String)],
) -> (Vec<String>, HashMap<&'static str, usize>) {
    let mut index = HashMap::new();
    let mut cells = Vec::new();
    for c in columns {
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| k == c.code)
            .map(|(_, v)| v.as_str())
            .collect();
        index.insert(c.code, cells.len());
        cells.push(values.join(";"));
    }
    (cells, index)
}

fn finish_form<T>(
    parsed: Option<T>,
    errors: Vec<RowError>,
) -> std::result::Result<T, Vec<RowError>> {
    match parsed {
        Some(v) if errors.is_empty() => Ok(v),
        _ => Err(errors),
    }
}

fn kind_sheet_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Orgs => "Đơn vị",
        Kind::Systems => "Hệ thống thông tin",
        Kind::Assets => "Tài sản",
        Kind::Blocks => "Dải địa chỉ",
    }
}

fn join<T: std::fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

/// A closed-set value in a file: its Vietnamese label in a spreadsheet
/// (for people; import reads labels as well as codes), its code in CSV.
fn shown<T: domain::Labelled + std::fmt::Display>(value: &T, labels: bool) -> String {
    if labels {
        value.label_vi().to_string()
    } else {
        value.to_string()
    }
}

/// A date in a file: dd/mm/yyyy in a spreadsheet, ISO 8601 in CSV (import
/// reads both).
fn day(date: chrono::NaiveDate, labels: bool) -> String {
    if labels {
        date.format("%d/%m/%Y").to_string()
    } else {
        date.to_string()
    }
}

fn yes_no(b: bool) -> String {
    if b { "có" } else { "không" }.to_string()
}

fn report_field_errors(c: &mut Cells, errs: FieldErrors) {
    for e in errs.0 {
        let col = e
            .field
            .split('.')
            .next_back()
            .unwrap_or(&e.field)
            .to_string();
        c.fail(&col, e.reason);
    }
}

/// A write that the checks did not foresee (say, a concurrent insert of the
/// same key) fails the whole import, naming the row.
fn row_conflict(row: usize, e: store::StoreError) -> AppError {
    match e {
        store::StoreError::Duplicate(what) => {
            AppError::Conflict(format!("row {row}: {what} already exists"))
        }
        other => AppError::from(other),
    }
}

/// An address in a cell.
struct IpCell(std::net::IpAddr);
impl FromStr for IpCell {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        domain::net::parse_ip(s).map(IpCell)
    }
}

/// A non-negative whole number in a cell.
struct U64Cell(u64);
impl FromStr for U64Cell {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let t = s.trim().replace(['.', ',', ' '], "");
        t.parse()
            .map(U64Cell)
            .map_err(|_| format!("'{}' is not a whole number", s.trim()))
    }
}

/// A contact in one cell: `name|title|phone|email`.
struct ContactCell(Contact);
impl FromStr for ContactCell {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let p: Vec<&str> = s.split('|').map(str::trim).collect();
        if p.is_empty() || p.len() > 4 {
            return Err(format!("'{}' is not name|title|phone|email", s.trim()));
        }
        let opt = |i: usize| p.get(i).filter(|v| !v.is_empty());
        Ok(ContactCell(Contact {
            name: p[0].parse()?,
            title: opt(1).map(|v| v.to_string()),
            phone: opt(2).map(|v| v.parse()).transpose()?,
            email: opt(3).map(|v| v.parse()).transpose()?,
        }))
    }
}
impl std::fmt::Display for ContactCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.0;
        write!(
            f,
            "{}|{}|{}|{}",
            c.name,
            c.title.clone().unwrap_or_default(),
            c.phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            c.email.as_ref().map(|p| p.to_string()).unwrap_or_default()
        )
    }
}
