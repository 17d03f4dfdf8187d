//! Loads the generated demo province into an empty database.

use crate::accounts::hash_password;
use crate::{App, AppError, Result};
use domain::{Role, Scope};
use std::collections::HashMap;
use store::auth::NewUser;

/// What the demo created, and the accounts to sign in with.
#[derive(Debug, Clone)]
pub struct DemoAccounts {
    pub orgs: usize,
    pub systems: usize,
    pub assets: usize,
    pub users: Vec<DemoLogin>,
}

#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub org: String,
}

impl App {
    /// Seeds the demo province if, and only if, the database is empty.
    /// Everything is written in one transaction, audited as the system.
    pub async fn seed_demo(&self, seed: u64) -> Result<Option<DemoAccounts>> {
        if store::orgs::count(&mut self.store.conn()).await? > 0 {
            return Ok(None);
        }
        let province = demo::generate(seed);
        // Hash before the transaction: argon2 is deliberately slow.
        let hashes = province
            .users
            .iter()
            .map(|u| hash_password(&u.password))
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.store.begin().await?;
        let mut scope = Scope::system(0);
        let mut ids: HashMap<&str, i64> = HashMap::new();
        let resolve = |ids: &HashMap<&str, i64>, key: &str| -> Result<i64> {
            ids.get(key).copied().ok_or_else(|| {
                AppError::Internal(format!("demo refers to unknown organisation '{key}'"))
            })
        };
        for o in &province.orgs {
            let mut input = o.input.clone();
            input.parent_id = o
                .parent_key
                .as_deref()
                .map(|k| resolve(&ids, k))
                .transpose()?;
            let org = store::orgs::create(&mut tx, &scope, &input).await?;
            if input.org_type == domain::OrgType::Coordinator && scope.org_id == 0 {
                scope = Scope::system(org.id);
            }
            ids.insert(o.key.as_str(), org.id);
        }
        let mut assets = 0;
        for s in &province.systems {
            let mut input = s.input.clone();
            input.owner_org_id = resolve(&ids, &s.owner_key)?;
            input.operator_org_id = s
                .operator_key
                .as_deref()
                .map(|k| resolve(&ids, k))
                .transpose()?;
            input.soc_provider_id = s.soc_key.as_deref().map(|k| resolve(&ids, k)).transpose()?;
            input.isp_id = s.isp_key.as_deref().map(|k| resolve(&ids, k)).transpose()?;
            let system = store::systems::create(&mut tx, &scope, &input).await?;
            for a in &s.assets {
                let mut asset = a.clone();
                asset.system_id = system.id;
                store::assets::create(&mut tx, &scope, &asset, input.owner_org_id).await?;
                assets += 1;
            }
        }
        let short_names: HashMap<i64, String> = province
            .orgs
            .iter()
            .filter_map(|o| {
                ids.get(o.key.as_str())
                    .map(|id| (*id, o.input.short_name.to_string()))
            })
            .collect();
        let mut users = Vec::new();
        for (u, hash) in province.users.iter().zip(&hashes) {
            let org_id = resolve(&ids, &u.org_key)?;
            store::auth::create(
                &mut tx,
                &scope,
                &NewUser {
                    username: &u.username,
                    display_name: &u.display_name,
                    email: None,
                    org_id,
                    role: u.role,
                    password_hash: hash,
                    must_change_password: false,
                },
            )
            .await?;
            users.push(DemoLogin {
                username: u.username.clone(),
                password: u.password.clone(),
                role: u.role,
                org: short_names.get(&org_id).cloned().unwrap_or_default(),
            });
        }
        tx.commit().await?;
        let coordinator = province
            .orgs
            .iter()
            .find(|o| o.input.org_type == domain::OrgType::Coordinator)
            .map(|o| o.input.clone())
            .ok_or_else(|| AppError::Internal("the demo has no coordinator".into()))?;
        self.seed_demo_directive(&scope, &ids, &coordinator).await?;
        self.seed_demo_activity(&scope, &ids, &province).await?;
        Ok(Some(DemoAccounts {
            orgs: province.orgs.len(),
            systems: province.systems.len(),
            assets,
            users,
        }))
    }

    /// The Department's directive before Tết, entered task by task as the
    /// one in the seeds (Quảng Ngãi, December 2024) is written, dated for the
    /// coming Tết, with a few organisations' progress reported.
    async fn seed_demo_directive(
        &self,
        scope: &Scope,
        ids: &HashMap<&str, i64>,
        coordinator: &domain::OrgInput,
    ) -> Result<()> {
        use crate::directives::{DirectiveInput, Recipients, TaskInput, TaskStatus};
        use chrono::Datelike;
        use domain::OrgType::{Agency, Commune};
        let warning_issuer = self.bodies().await?.warning_issuer.name;
        let today = crate::registry::today();
        let year = today.year() + i32::from(today.month() >= 3);
        let groups = |types: &[domain::OrgType]| Recipients {
            org_types: types.to_vec(),
            org_ids: Vec::new(),
        };
        let named = |keys: &[&str]| Recipients {
            org_types: Vec::new(),
            org_ids: keys.iter().filter_map(|k| ids.get(k).copied()).collect(),
        };
        let soon = Some(today + chrono::Duration::days(14));
        let task = |text: &str, recipients: Recipients, deadline, evidence_required| TaskInput {
            text: text.to_string(),
            recipients,
            deadline,
            evidence_required,
        };
        let all = [Agency, Commune];
        let input = DirectiveInput {
            number: format!("{}/{}-ATTT", 180 + (year % 100), coordinator.short_name),
            issued_on: today - chrono::Duration::days(3),
            issuer: coordinator.name.to_string(),
            title: format!(
                "Tăng cường bảo đảm an toàn, an ninh mạng dịp Tết Dương lịch và Tết Nguyên đán năm {year}"
            ),
            period_id: None,
            tasks: vec![
                task("Rà soát các hệ thống thông tin, bảo đảm triển khai đầy đủ các biện pháp bảo vệ theo cấp độ an toàn; rà soát chính sách tường lửa, phát hiện xâm nhập, phòng chống mã độc; cập nhật hệ điều hành, ứng dụng.", groups(&all), soon, false),
                task("Phân công lực lượng tại chỗ trực giám sát 24/7; theo dõi liên tục các hệ thống giám sát an toàn thông tin và phòng, chống mã độc tập trung.", groups(&all), soon, true),
                task(&format!("Kiểm tra, đánh giá, khắc phục lỗ hổng bảo mật; cập nhật bản vá theo các văn bản cảnh báo của {warning_issuer}."), groups(&all), soon, false),
                task("Rà soát, bóc gỡ phần mềm độc hại cho toàn bộ máy chủ, máy trạm; ưu tiên các địa chỉ IP trong danh sách IP botnet được cảnh báo.", groups(&all), soon, false),
                task("Sử dụng và khai thác Nền tảng Điều phối xử lý sự cố an toàn thông tin mạng quốc gia (IRLab).", groups(&all), None, false),
                task("Tuyên truyền, nâng cao nhận thức về an toàn thông tin mạng, tin giả, lừa đảo cho cán bộ, công chức, viên chức và người lao động.", groups(&all), None, false),
                task("Yêu cầu thay đổi mật khẩu thư điện tử công vụ; mật khẩu ít nhất 8 ký tự gồm chữ hoa, chữ thường, chữ số và ký tự đặc biệt.", groups(&all), soon, true),
                task("Thành viên Đội ứng cứu sự cố chủ động rà soát hệ thống của đơn vị và hỗ trợ các cơ quan nhà nước khi có yêu cầu.", named(&["ttdl", "soc", "vnpt", "viettel"]), None, false),
                task("Trung tâm Dữ liệu tăng cường quản trị, vận hành các hệ thống dùng chung; phân công cán bộ kỹ thuật trực 24/7.", named(&["ttdl"]), soon, true),
                task("Đơn vị cung cấp dịch vụ SOC ưu tiên nguồn lực giám sát, bảo vệ các hệ thống thông tin cấp độ 3.", named(&["soc"]), None, false),
                task("Viễn thông tỉnh rà quét, cảnh báo, xử lý mã độc đối với các hệ thống dùng chung của tỉnh.", named(&["vnpt"]), soon, false),
                task(&format!("Khi xảy ra sự cố, báo ngay về {} để hỗ trợ, phối hợp xử lý.", coordinator.name), groups(&all), None, false),
            ],
        };
        let view = self.create_directive(scope, &input).await?;
        // Two agencies have started reporting, so the matrix has something to show.
        let reports: [(&str, usize, TaskStatus, &str); 4] = [
            (
                "stc",
                0,
                TaskStatus::Done,
                "Đã rà soát 3 hệ thống, cập nhật bản vá hệ điều hành.",
            ),
            (
                "stc",
                1,
                TaskStatus::Done,
                "Lịch trực 24/7 đã lập trong canhgac.",
            ),
            (
                "syt",
                0,
                TaskStatus::InProgress,
                "Đang rà soát hệ thống bệnh án điện tử.",
            ),
            (
                "syt",
                4,
                TaskStatus::NotApplicable,
                "Đơn vị chưa được cấp tài khoản IRLab; đã đề nghị Sở cấp.",
            ),
        ];
        for (key, index, status, note) in reports {
            let (Some(org_id), Some(task)) = (ids.get(key), view.tasks.get(index)) else {
                continue;
            };
            let acting = Scope {
                org_id: *org_id,
                ..scope.clone()
            };
            self.report_task(&acting, task.id, status, Some(note))
                .await?;
        }
        Ok(())
    }

    /// Activity dated inside the period whose report is due next (the one
    /// the reports page selects), so that report has figures: two of the
    /// warning issuer's warnings, a month's botnet list with addresses of
    /// the province's agencies, and three incidents detected in the period.
    async fn seed_demo_activity(
        &self,
        scope: &Scope,
        ids: &HashMap<&str, i64>,
        province: &demo::Province,
    ) -> Result<()> {
        use crate::botnet::{BotnetImport, ListFormat};
        let today = crate::registry::today();
        let Some(due) = crate::periodic_report::next_due(today)
            .into_iter()
            .map(|d| d.period)
            .min_by_key(|p| p.last_day() - p.first_day())
        else {
            return Ok(());
        };
        // Days counted back from the period's last day (or today, if the
        // period is still running), never before its first.
        let last = due.last_day().min(today);
        let day = |back: i64| (last - chrono::Duration::days(back)).max(due.first_day());
        let warning_issuer = self.bodies().await?.warning_issuer;
        let warnings = [
            (
                60,
                "Lỗ hổng bảo mật nghiêm trọng trong FortiOS SSL VPN",
                vec!["CVE-2024-21762"],
                "Rà soát, cập nhật FortiOS lên phiên bản đã vá hoặc tắt SSL VPN.",
            ),
            (
                25,
                "Lỗ hổng bảo mật trong Microsoft Exchange Server và Windows",
                vec!["CVE-2024-21410", "CVE-2024-21338"],
                "Cài đặt bản cập nhật bảo mật của Microsoft.",
            ),
        ];
        for (n, (back, title, cves, action)) in warnings.into_iter().enumerate() {
            let issued = day(back);
            self.create_warning(
                scope,
                &crate::vulns::WarningInput {
                    // An official letter's number carries its issuer's
                    // symbol: "Cục A05" writes "300/A05".
                    number: format!(
                        "{}/{}",
                        300 + n,
                        warning_issuer
                            .short
                            .split_whitespace()
                            .last()
                            .unwrap_or("CV")
                    ),
                    issued_on: issued.to_string(),
                    title: title.into(),
                    cves: cves.into_iter().map(str::to_string).collect(),
                    body: None,
                    required_action: Some(action.into()),
                    deadline: Some((issued + chrono::Duration::days(15)).to_string()),
                },
            )
            .await?;
        }
        // A botnet list for the period's last month: a few hosts in the
        // blocks of agencies and commune committees.
        let mut lines = String::new();
        for o in province.orgs.iter().filter(|o| {
            matches!(
                o.input.org_type,
                domain::OrgType::Agency | domain::OrgType::Commune
            )
        }) {
            for block in o.input.address_blocks.iter().take(1) {
                if let std::net::IpAddr::V4(a) = block.addr() {
                    let hosts = if block.prefix() <= 28 { 3 } else { 1 };
                    for h in 0..hosts {
                        lines.push_str(&format!(
                            "{}\n",
                            std::net::Ipv4Addr::from(u32::from(a) + 5 + h)
                        ));
                    }
                }
            }
        }
        self.import_botnet(
            scope,
            &BotnetImport {
                file_name: "botnet-demo.txt".into(),
                source: "Danh sách IP botnet quốc gia".into(),
                period: last.format("%Y-%m").to_string(),
                format: ListFormat::Lines(netmatch::Format::Text),
                keep_valid: true,
                dry_run: false,
            },
            std::io::Cursor::new(lines.into_bytes()),
        )
        .await?;
        // Incidents detected in the period, reported by the coordinator for
        // the organisations concerned.
        let incidents = [
            ("stc", 50, "Trang thông tin điện tử bị thay đổi giao diện", "defacement", "high", "Trang chủ bị thay bằng nội dung lạ; đã gỡ xuống và khôi phục từ bản sao lưu."),
            ("syt", 35, "Máy trạm nhiễm mã độc kết nối máy chủ điều khiển", "malware", "medium", "Hệ thống giám sát cảnh báo máy trạm kết nối địa chỉ điều khiển botnet; đã cô lập máy."),
            ("psonha", 12, "Thư điện tử giả mạo lãnh đạo đề nghị chuyển tiền", "phishing", "low", "Cán bộ nhận thư giả mạo; chưa có thiệt hại, đã cảnh báo toàn cơ quan."),
        ];
        for (key, back, title, class, severity, description) in incidents {
            let Some(org) = province.orgs.iter().find(|o| o.key == key) else {
                continue;
            };
            let Some(org_id) = ids.get(key).copied() else {
                continue;
            };
            let detected = crate::registry::vn_day_start(day(back)) + chrono::Duration::hours(9);
            let form = serde_json::json!({
                "reporter_org": {"id": org_id, "name": org.input.name.to_string()},
                "reporter": {"name": "Cán bộ chuyên trách an toàn thông tin"},
                "title": title,
                "description": description,
                "detected_at": detected,
                "reported_status": "handling",
                "class": class, "severity": severity, "tlp": "amber"
            });
            let report = serde_json::from_value(form)
                .map_err(|e| AppError::Internal(format!("demo incident: {e}")))?;
            self.report_incident(scope, report).await?;
        }
        Ok(())
    }
}
