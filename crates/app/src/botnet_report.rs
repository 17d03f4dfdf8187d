//! The monthly botnet summary (XLSX and DOCX) and the owners' address lists
//! to download.

use crate::botnet::{period_vn, IpChange};
use crate::{App, AppError, Result};
use domain::Scope;
use std::collections::BTreeMap;
use store::botnet::{BotnetList, ListingFilter};

/// A file made for download.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const DOCX: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub(crate) const CSV: &str = "text/csv; charset=utf-8";

/// One table as a CSV or XLSX download named `stem.csv` / `stem.xlsx`.
pub(crate) fn table_download(
    stem: &str,
    sheet: &str,
    headers: &[&str],
    cells: &[Vec<String>],
    format: sheets::Format,
) -> Result<Download> {
    Ok(match format {
        sheets::Format::Xlsx => Download {
            file_name: format!("{stem}.xlsx"),
            content_type: XLSX,
            bytes: sheets::write_xlsx(sheet, headers, cells)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        },
        _ => Download {
            file_name: format!("{stem}.csv"),
            content_type: CSV,
            bytes: sheets::write_csv(headers, cells),
        },
    })
}

/// One owner's line in the monthly summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OwnerLine {
    pub org_id: Option<i64>,
    pub name: String,
    pub listed: i64,
    pub new: i64,
    pub still_listed: i64,
    /// Listed in the previous list, not in this one.
    pub cleaned: i64,
    /// Marked cleaned earlier and listed again.
    pub reinfected: i64,
    /// Marked cleaned by the owner in this list.
    pub marked_cleaned: i64,
    pub families: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

/// The figures of one list for the scope, as the report prints them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BotnetSummary {
    pub list: BotnetList,
    pub previous_period: Option<String>,
    pub total: OwnerLine,
    pub owners: Vec<OwnerLine>,
    /// Per operator: the listed addresses in its space.
    pub isps: Vec<(String, i64)>,
    /// Listed addresses per month of the same source.
    pub trend: Vec<(String, i64)>,
}

const UNKNOWN_OWNER: &str = "Chưa xác định đơn vị";

impl App {
    pub async fn botnet_summary(&self, scope: &Scope, list_id: i64) -> Result<BotnetSummary> {
        let list = self.botnet_list(list_id).await?;
        let changes = self.botnet_changes(scope, list_id).await?;
        let previous_period = match changes.previous_list_id {
            Some(id) => Some(self.botnet_list(id).await?.period),
            None => None,
        };
        let owners = self.botnet_owners(scope, list_id).await?;
        let mut lines: BTreeMap<Option<i64>, OwnerLine> = BTreeMap::new();
        for o in &owners {
            let l = lines.entry(o.org_id).or_default();
            l.org_id = o.org_id;
            l.name = owner_name(o.org_id, &o.name);
            l.families = o
                .families
                .iter()
                .map(|(f, n)| format!("{f} ({n})"))
                .collect::<Vec<_>>()
                .join(", ");
            l.first_seen = o.first_seen.clone();
            l.last_seen = o.last_seen.clone();
        }
        let orgs = self.org_names(&self.system_scope().await?).await?;
        let name_of = |id: Option<i64>| {
            let short = id
                .and_then(|id| orgs.values().find(|o| o.id == id))
                .map(|o| o.data.short_name.to_string())
                .unwrap_or_default();
            owner_name(id, &short)
        };
        let mut total = OwnerLine {
            name: "Tổng cộng".into(),
            ..Default::default()
        };
        for item in &changes.items {
            let l = lines.entry(item.owner_org_id).or_insert_with(|| OwnerLine {
                org_id: item.owner_org_id,
                name: name_of(item.owner_org_id),
                ..Default::default()
            });
            for line in [l, &mut total] {
                count_change(line, item);
            }
        }
        let mut owners: Vec<OwnerLine> = lines.into_values().collect();
        owners.sort_by(|a, b| {
            b.listed
                .cmp(&a.listed)
                .then(b.cleaned.cmp(&a.cleaned))
                .then(a.name.cmp(&b.name))
        });
        let isps = self
            .botnet_isps(scope, list_id)
            .await?
            .into_iter()
            .map(|o| (o.name, o.count))
            .collect();
        let trend = self.botnet_trend(scope, &list.source, None).await?;
        Ok(BotnetSummary {
            list,
            previous_period,
            total,
            owners,
            isps,
            trend,
        })
    }

    /// The monthly summary as an XLSX workbook: figures, owners, operators, trend.
    pub async fn botnet_report_xlsx(&self, scope: &Scope, list_id: i64) -> Result<Download> {
        let s = self.botnet_summary(scope, list_id).await?;
        let month = period_vn(&s.list.period);
        let summary_rows = vec![
            vec!["Nguồn".into(), s.list.source.clone()],
            vec!["Tháng".into(), month.clone()],
            vec![
                "So với tháng".into(),
                s.previous_period
                    .as_deref()
                    .map(period_vn)
                    .unwrap_or_default(),
            ],
            vec![
                "Số địa chỉ IP trong danh sách".into(),
                s.total.listed.to_string(),
            ],
            vec!["Mới xuất hiện".into(), s.total.new.to_string()],
            vec!["Tiếp tục có tên".into(), s.total.still_listed.to_string()],
            vec![
                "Đã hết trong danh sách (đã xử lý)".into(),
                s.total.cleaned.to_string(),
            ],
            vec!["Tái nhiễm".into(), s.total.reinfected.to_string()],
            vec![
                "Đơn vị báo đã xử lý".into(),
                s.total.marked_cleaned.to_string(),
            ],
        ];
        let owner_rows: Vec<Vec<String>> = s
            .owners
            .iter()
            .chain(std::iter::once(&s.total))
            .map(owner_cells)
            .collect();
        let isp_rows: Vec<Vec<String>> = s
            .isps
            .iter()
            .map(|(n, c)| vec![n.clone(), c.to_string()])
            .collect();
        let trend_rows: Vec<Vec<String>> = s
            .trend
            .iter()
            .map(|(p, n)| vec![period_vn(p), n.to_string()])
            .collect();
        let bytes = sheets::write_xlsx_sheets(&[
            sheets::Sheet {
                name: "Tổng hợp",
                headers: &["Nội dung", "Giá trị"],
                rows: &summary_rows,
                fills: &[],
            },
            sheets::Sheet {
                name: "Theo đơn vị",
                headers: &OWNER_HEADERS,
                rows: &owner_rows,
                fills: &[],
            },
            sheets::Sheet {
                name: "Theo nhà mạng",
                headers: &["Nhà mạng", "Số IP trong vùng địa chỉ"],
                rows: &isp_rows,
                fills: &[],
            },
            sheets::Sheet {
                name: "Xu hướng",
                headers: &["Tháng", "Số địa chỉ IP"],
                rows: &trend_rows,
                fills: &[],
            },
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("bao-cao-botnet-{}.xlsx", s.list.period),
            content_type: XLSX,
            bytes,
        })
    }

    /// The monthly summary as an administrative report (DOCX) from the
    /// coordinating organisation.
    pub async fn botnet_report_docx(&self, scope: &Scope, list_id: i64) -> Result<Download> {
        let s = self.botnet_summary(scope, list_id).await?;
        let month = period_vn(&s.list.period);
        let letterhead = self.letterhead().await?;
        let t = &s.total;
        let compared = match &s.previous_period {
            Some(p) => format!(
                "So với danh sách tháng {}: {} địa chỉ mới xuất hiện, {} địa chỉ tiếp tục có tên, \
                 {} địa chỉ không còn trong danh sách (đã được xử lý); {} địa chỉ tái nhiễm sau khi đã báo xử lý.",
                period_vn(p),
                t.new,
                t.still_listed,
                t.cleaned,
                t.reinfected
            ),
            None => "Đây là danh sách đầu tiên của nguồn này trên hệ thống, chưa có số liệu để so sánh.".into(),
        };
        // The trend: listed addresses per month in this source's lists, up
        // to this one (the last list of a month counts), at most a year.
        let mut by_month = std::collections::BTreeMap::new();
        let mut lists = self.botnet_lists(scope).await?;
        lists.sort_by_key(|l| l.id);
        for l in lists {
            if l.source == s.list.source && l.period <= s.list.period {
                by_month.insert(l.period.clone(), l.listed);
            }
        }
        by_month.insert(s.list.period.clone(), t.listed);
        let skip = by_month.len().saturating_sub(12);
        let trend = docgen::Chart::columns(
            "Số địa chỉ IP mạng botnet trong danh sách theo tháng",
            by_month
                .iter()
                .skip(skip)
                .map(|(period, listed)| (period_vn(period), *listed)),
        )
        .unit("địa chỉ IP");
        let unknown = s
            .owners
            .iter()
            .find(|o| o.org_id.is_none())
            .map_or(0, |o| o.listed);
        let doc = docgen::OfficialDocument {
            letterhead,
            kind: "BÁO CÁO".into(),
            title: format!("Tình hình địa chỉ IP mạng botnet tháng {month}"),
            summary: None,
            recipients: Vec::new(),
            body: vec![
                docgen::Block::Heading("I. TÌNH HÌNH CHUNG".into()),
                docgen::Block::Paragraph(format!(
                    "Danh sách địa chỉ IP mạng botnet tháng {month} (nguồn: {}) có {} địa chỉ IP thuộc phạm vi \
                     theo dõi của tỉnh, trong đó {} địa chỉ chưa xác định được đơn vị quản lý.",
                    s.list.source, t.listed, unknown
                )),
                docgen::Block::Paragraph(compared),
                docgen::Block::Chart(trend),
                docgen::Block::Paragraph(format!(
                    "Các đơn vị đã báo xử lý {} địa chỉ trong danh sách tháng này.",
                    t.marked_cleaned
                )),
                docgen::Block::Heading("II. SỐ LIỆU THEO ĐƠN VỊ".into()),
                docgen::Block::Table(docgen::Table {
                    columns: OWNER_HEADERS.iter().map(|h| h.to_string()).collect(),
                    rows: s
                        .owners
                        .iter()
                        .chain(std::iter::once(&s.total))
                        .map(owner_cells)
                        .collect(),
                    widths: Some(vec![30, 10, 10, 10, 10, 10, 10, 25]),
                }),
                docgen::Block::Heading("III. SỐ LIỆU THEO NHÀ MẠNG".into()),
                docgen::Block::Table(docgen::Table {
                    columns: vec!["Nhà mạng".into(), "Số IP trong vùng địa chỉ".into()],
                    rows: s
                        .isps
                        .iter()
                        .map(|(n, c)| vec![n.clone(), c.to_string()])
                        .collect(),
                    widths: Some(vec![60, 40]),
                }),
                docgen::Block::Heading("IV. ĐỀ XUẤT".into()),
                docgen::Block::Bullets(vec![
                    "Các cơ quan, đơn vị có địa chỉ IP trong danh sách khẩn trương rà soát, gỡ bỏ mã độc \
                     và báo cáo kết quả xử lý trên hệ thống."
                        .into(),
                    "Các doanh nghiệp viễn thông phối hợp thông báo và hỗ trợ khách hàng có địa chỉ IP \
                     trong danh sách xử lý dứt điểm."
                        .into(),
                ]),
            ],
            recipients_for_filing: vec!["Như trên;".into(), "Lưu: VT.".into()],
            signature: docgen::Signature {
                capacity: vec!["GIÁM ĐỐC".into()],
                signer: String::new(),
            },
        };
        let bytes = doc
            .to_docx()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Download {
            file_name: format!("bao-cao-botnet-{}.docx", s.list.period),
            content_type: DOCX,
            bytes,
        })
    }

    /// The letterhead of documents the coordinating organisation issues.
    pub(crate) async fn letterhead(&self) -> Result<docgen::Letterhead> {
        let system = self.system_scope().await?;
        self.letterhead_of(system.org_id).await
    }

    /// The letterhead of a report organisation `org_id` issues: its name,
    /// the province's People's Committee above it when the name (or the
    /// coordinator's) says which province, and "Số:      /BC-<short name>",
    /// the number left blank for the clerk who registers it.
    pub(crate) async fn letterhead_of(&self, org_id: i64) -> Result<docgen::Letterhead> {
        let system = self.system_scope().await?;
        let mut conn = self.store.conn();
        let coordinator = store::orgs::get(&mut conn, &system, system.org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let org = if org_id == system.org_id {
            coordinator.clone()
        } else {
            store::orgs::get(&mut conn, &system, org_id)
                .await?
                .ok_or(AppError::NotFound)?
        };
        let province_of = |name: &str| {
            name.rfind("tỉnh ")
                .map(|i| name[i + "tỉnh ".len()..].trim().to_string())
                .filter(|p| !p.is_empty())
        };
        let name = org.data.name.to_string();
        let own_province = province_of(&name);
        let province = own_province
            .clone()
            .or_else(|| province_of(coordinator.data.name.as_str()));
        Ok(docgen::Letterhead {
            // A Department or agency of the province is under its People's
            // Committee; a company (an operator) is not.
            parent_body: own_province
                .as_ref()
                .map(|p| format!("UBND TỈNH {}", p.to_uppercase())),
            issuing_body: name.split(" tỉnh ").next().unwrap_or(&name).to_uppercase(),
            number: Some(format!("      /BC-{}", org.data.short_name)),
            place: province.unwrap_or_default(),
            date: crate::registry::today(),
        })
    }

    /// The listed addresses the scope may see (optionally one owner's) as a
    /// CSV or XLSX file.
    pub async fn botnet_listings_file(
        &self,
        scope: &Scope,
        list_id: i64,
        owner: Option<i64>,
        format: sheets::Format,
    ) -> Result<Download> {
        let list = self.botnet_list(list_id).await?;
        let rows = self
            .botnet_listings(
                scope,
                list_id,
                &ListingFilter {
                    owner,
                    ..Default::default()
                },
            )
            .await?;
        let orgs = self.org_labels().await?;
        let code = |id: Option<i64>| {
            id.and_then(|i| orgs.get(&i))
                .map(|(code, _)| code.clone())
                .unwrap_or_default()
        };
        let full = |id: Option<i64>| {
            id.and_then(|i| orgs.get(&i))
                .map(|(_, name)| name.clone())
                .unwrap_or_default()
        };
        // Systems and assets by code and host name, never by id: looked up
        // once each, as the caller may see them.
        let mut systems: BTreeMap<i64, String> = BTreeMap::new();
        let mut assets: BTreeMap<i64, String> = BTreeMap::new();
        for v in &rows {
            if let Some(id) = v.row.system_id.filter(|i| !systems.contains_key(i)) {
                let code = self.system_code(scope, id).await?.unwrap_or_default();
                systems.insert(id, code);
            }
            if let Some(id) = v.row.asset_id.filter(|i| !assets.contains_key(i)) {
                let host = self.asset_host(scope, id).await?.unwrap_or_default();
                assets.insert(id, host);
            }
        }
        let cells: Vec<Vec<String>> = rows
            .into_iter()
            .map(|v| {
                let r = v.row;
                vec![
                    r.ip,
                    code(r.owner_org_id),
                    full(r.owner_org_id),
                    code(r.isp_org_id),
                    r.matched_block.unwrap_or_default(),
                    r.system_id
                        .and_then(|i| systems.get(&i).cloned())
                        .unwrap_or_default(),
                    r.asset_id
                        .and_then(|i| assets.get(&i).cloned())
                        .unwrap_or_default(),
                    r.family.unwrap_or_default(),
                    r.port.map(|p| p.to_string()).unwrap_or_default(),
                    r.seen.unwrap_or_default(),
                    r.asn.map(|a| a.to_string()).unwrap_or_default(),
                    r.c2.unwrap_or_default(),
                    if v.reinfected { "có" } else { "" }.into(),
                    v.cleaned_note.unwrap_or_default(),
                    r.line.to_string(),
                ]
            })
            .collect();
        // A spreadsheet is for people (Vietnamese headings); CSV, for other
        // programs, keeps plain codes.
        const CODES: [&str; 15] = [
            "ip",
            "don_vi",
            "ten_don_vi",
            "nha_mang",
            "dai_dia_chi",
            "he_thong",
            "tai_san",
            "ho_ma_doc",
            "cong",
            "thoi_gian",
            "asn",
            "c2",
            "tai_nhiem",
            "ghi_chu_xu_ly",
            "dong",
        ];
        const HEADINGS: [&str; 15] = [
            "Địa chỉ IP",
            "Mã đơn vị",
            "Đơn vị",
            "Nhà mạng",
            "Dải địa chỉ",
            "Hệ thống",
            "Tài sản",
            "Họ mã độc",
            "Cổng",
            "Thời điểm ghi nhận",
            "ASN",
            "Máy chủ điều khiển (C2)",
            "Tái nhiễm",
            "Ghi chú xử lý",
            "Dòng trong danh sách",
        ];
        let base = format!("botnet-{}-{}", list.source, list.period)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>();
        Ok(match format {
            sheets::Format::Xlsx => Download {
                file_name: format!("{base}.xlsx"),
                content_type: XLSX,
                bytes: sheets::write_xlsx("IP botnet", &HEADINGS, &cells)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            },
            _ => Download {
                file_name: format!("{base}.csv"),
                content_type: CSV,
                bytes: sheets::write_csv(&CODES, &cells),
            },
        })
    }
}

const OWNER_HEADERS: [&str; 8] = [
    "Đơn vị",
    "Số IP",
    "Mới",
    "Tiếp tục có tên",
    "Đã hết",
    "Tái nhiễm",
    "Báo đã xử lý",
    "Họ mã độc",
];

fn owner_cells(o: &OwnerLine) -> Vec<String> {
    vec![
        o.name.clone(),
        o.listed.to_string(),
        o.new.to_string(),
        o.still_listed.to_string(),
        o.cleaned.to_string(),
        o.reinfected.to_string(),
        o.marked_cleaned.to_string(),
        o.families.clone(),
    ]
}

fn owner_name(id: Option<i64>, short: &str) -> String {
    match id {
        None => UNKNOWN_OWNER.into(),
        Some(_) => short.to_string(),
    }
}

fn count_change(line: &mut OwnerLine, item: &IpChange) {
    match item.status {
        "new" => line.new += 1,
        "still_listed" => line.still_listed += 1,
        _ => line.cleaned += 1,
    }
    if item.status != "cleaned" {
        line.listed += 1;
    }
    line.reinfected += i64::from(item.reinfected);
    line.marked_cleaned += i64::from(item.cleaned_note.is_some());
}
