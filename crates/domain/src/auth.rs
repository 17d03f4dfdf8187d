//! Who acts, for which organisation, with which role; and the password rules
//! of the directives.

use crate::text_enum::text_enum;
use std::fmt;

text_enum! {
    Role {
        Coordinator => "coordinator", "Điều phối (Sở)", "Coordinator";
        OrgAdmin => "org_admin", "Quản trị đơn vị", "Organisation admin";
        Officer => "officer", "Cán bộ kỹ thuật", "Officer";
        IspOperator => "isp_operator", "Nhân viên nhà mạng", "ISP operator";
        SocAnalyst => "soc_analyst", "Chuyên viên SOC", "SOC analyst";
        Responder => "responder", "Thành viên đội ứng cứu", "Responder";
        Auditor => "auditor", "Kiểm tra, giám sát", "Auditor";
        /// A monitoring sensor's token: sends events, reads nothing. Only
        /// registering a sensor mints one ([`Scope::may_grant`] refuses it).
        Sensor => "sensor", "Cảm biến giám sát (chỉ gửi sự kiện)", "Sensor (sends events only)";
    }
}

/// Who performed an action, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        id: i64,
        username: String,
    },
    Token {
        id: i64,
        name: String,
    },
    /// Background jobs and first-start set-up, which act for the coordinator.
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User { username, .. } => write!(f, "user:{username}"),
            Actor::Token { id, name } => write!(f, "token:{id}:{name}"),
            Actor::System => f.write_str("system"),
        }
    }
}

text_enum! {
    /// What a role may do, whatever the organisation. The one table of who
    /// may do what is [`Role::capabilities`]; every operation of the API
    /// names the capability it needs (`server::openapi::OPERATIONS`), and
    /// use cases add the organisation's bounds on top.
    Capability {
        Read => "read", "Xem dữ liệu trong phạm vi", "Read within reach";
        ReadAdministration => "read_administration", "Xem tài khoản, khóa API, nhật ký", "Read accounts, tokens and the audit log";
        ManageAccounts => "manage_accounts", "Quản lý tài khoản và khóa API", "Manage accounts and tokens";
        EditOrg => "edit_org", "Sửa hồ sơ đơn vị", "Edit the organisation's profile";
        EditRegistry => "edit_registry", "Khai báo hệ thống, tài sản", "Edit systems and assets";
        WorkFindings => "work_findings", "Xử lý điểm yếu", "Work on findings";
        ReportIncident => "report_incident", "Báo cáo sự cố", "Report incidents";
        RespondIncident => "respond_incident", "Ứng cứu sự cố", "Respond to incidents";
        CleanBotnet => "clean_botnet", "Xử lý địa chỉ nhiễm mã độc", "Clean listed addresses";
        KeepRoster => "keep_roster", "Lập lịch trực", "Keep duty rosters";
        ReportTasks => "report_tasks", "Báo cáo nhiệm vụ chỉ đạo", "Report on directive tasks";
        ReadPrefixes => "read_prefixes", "Xem dải địa chỉ nhà mạng", "Read operator prefixes";
        Coordinate => "coordinate", "Điều phối toàn tỉnh", "Coordinate the province";
        IngestEvents => "ingest_events", "Gửi sự kiện giám sát", "Send monitoring events";
        UploadEvents => "upload_events", "Tải lên tệp sự kiện (EVTX, EVE)", "Upload event files (EVTX, Suricata EVE)";
    }
}

impl Role {
    /// The one table of what each role may do. Read it with the rule of
    /// [`Scope::may_grant`]: no role here may be granted by one whose row
    /// lacks any of its capabilities.
    pub fn capabilities(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            Role::Coordinator => Capability::ALL,
            Role::OrgAdmin => &[
                Read,
                ReadAdministration,
                ManageAccounts,
                EditOrg,
                EditRegistry,
                WorkFindings,
                ReportIncident,
                RespondIncident,
                CleanBotnet,
                KeepRoster,
                ReportTasks,
                ReadPrefixes,
                UploadEvents,
            ],
            Role::Officer => &[
                Read,
                EditRegistry,
                WorkFindings,
                ReportIncident,
                RespondIncident,
                CleanBotnet,
                KeepRoster,
                ReportTasks,
                UploadEvents,
            ],
            Role::IspOperator => &[
                Read,
                ReportIncident,
                RespondIncident,
                CleanBotnet,
                KeepRoster,
                ReportTasks,
                ReadPrefixes,
            ],
            Role::SocAnalyst => &[
                Read,
                ReportIncident,
                RespondIncident,
                KeepRoster,
                ReportTasks,
            ],
            Role::Responder => &[Read, ReportIncident, RespondIncident],
            Role::Auditor => &[Read, ReadAdministration, ReadPrefixes],
            Role::Sensor => &[IngestEvents, UploadEvents],
        }
    }

    pub fn may(self, c: Capability) -> bool {
        self.capabilities().contains(&c)
    }

    /// Whether this role may do everything `other` may.
    pub fn covers(self, other: Role) -> bool {
        other.capabilities().iter().all(|c| self.may(*c))
    }
}

/// How far a scope sees: the whole province, or its own organisation (and
/// what is shared with it: systems it operates, addresses in its space, the
/// directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Organisation,
    Province,
}

impl Reach {
    /// The reach of `role` held in an organisation: the coordinator role
    /// sees the province wherever it is held (only the coordinator grants
    /// it); an auditor sees what its organisation sees — the province at the
    /// coordinating organisation, its own organisation elsewhere; every other
    /// role sees its own organisation.
    pub fn of(role: Role, in_coordinating_org: bool) -> Reach {
        match role {
            Role::Coordinator => Reach::Province,
            Role::Auditor if in_coordinating_org => Reach::Province,
            _ => Reach::Organisation,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Reach::Organisation => "Đơn vị mình",
            Reach::Province => "Toàn tỉnh",
        }
    }
}

/// The acting party of every use case. Nothing reads or writes tenant data
/// without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub actor: Actor,
    pub org_id: i64,
    pub role: Role,
    /// Decided when the caller is authenticated, from the role and whether
    /// its organisation is the coordinating one ([`Reach::of`]).
    pub reach: Reach,
}

impl Scope {
    /// The explicit scope of background work and set-up: province-wide.
    pub fn system(coordinator_org_id: i64) -> Self {
        Scope {
            actor: Actor::System,
            org_id: coordinator_org_id,
            role: Role::Coordinator,
            reach: Reach::Province,
        }
    }

    /// The scope of `role` held in `org_id`.
    pub fn new(actor: Actor, org_id: i64, role: Role, coordinating_org_id: i64) -> Self {
        Scope {
            actor,
            org_id,
            role,
            reach: Reach::of(role, org_id == coordinating_org_id),
        }
    }

    /// The coordinator, and auditors of the coordinating organisation, see
    /// the whole province.
    pub fn sees_province(&self) -> bool {
        self.reach == Reach::Province
    }

    pub fn may(&self, c: Capability) -> bool {
        self.role.may(c)
    }

    /// Whether this scope may read data that belongs to `org_ids`
    /// (for a system: its owner and operator).
    pub fn may_read_org_data(&self, org_ids: &[i64]) -> bool {
        self.sees_province() || org_ids.contains(&self.org_id)
    }

    /// Registry changes (systems, assets) are made by the coordinator and by
    /// an organisation's own admins and officers, never by auditors.
    pub fn may_edit_registry_of(&self, org_ids: &[i64]) -> bool {
        match self.role {
            Role::Coordinator => true,
            Role::OrgAdmin | Role::Officer => org_ids.contains(&self.org_id),
            _ => false,
        }
    }

    /// Creating and deleting organisations belongs to the coordinator; an
    /// organisation's admin may edit its own profile.
    pub fn may_edit_org(&self, org_id: i64) -> bool {
        self.role == Role::Coordinator || (self.role == Role::OrgAdmin && self.org_id == org_id)
    }

    /// Whether this scope administers the accounts and tokens of `org_id`.
    pub fn may_manage_users_of(&self, org_id: i64) -> bool {
        self.may(Capability::ManageAccounts) && (self.sees_province() || self.org_id == org_id)
    }

    /// Whether this scope may give `role` in `org_id` to an account or a
    /// token, or act on an account or token that holds it: it must
    /// administer that organisation, and the granted scope must neither see
    /// nor do more than its own — every capability of the role is one of
    /// the granter's, and its reach is no wider. Province-wide reading is
    /// therefore granted by the coordinator only.
    pub fn may_grant(&self, role: Role, org_id: i64, coordinating_org_id: i64) -> bool {
        role != Role::Sensor
            && self.may_manage_users_of(org_id)
            && self.role.covers(role)
            && Reach::of(role, org_id == coordinating_org_id) <= self.reach
    }

    pub fn is_coordinator(&self) -> bool {
        self.role == Role::Coordinator
    }
}

/// A reason a password is refused, phrased for the person choosing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort(usize),
    NoUpper,
    NoLower,
    NoDigit,
    NoSpecial,
    Common,
    ContainsUsername,
    SameAsCurrent,
}

impl PasswordProblem {
    pub fn message_vi(self) -> String {
        match self {
            PasswordProblem::TooShort(n) => format!("Mật khẩu phải có ít nhất {n} ký tự"),
            PasswordProblem::NoUpper => "Mật khẩu phải có chữ hoa".into(),
            PasswordProblem::NoLower => "Mật khẩu phải có chữ thường".into(),
            PasswordProblem::NoDigit => "Mật khẩu phải có chữ số".into(),
            PasswordProblem::NoSpecial => "Mật khẩu phải có ký tự đặc biệt".into(),
            PasswordProblem::Common => "Mật khẩu quá phổ biến, dễ bị đoán".into(),
            PasswordProblem::ContainsUsername => "Mật khẩu không được chứa tên đăng nhập".into(),
            PasswordProblem::SameAsCurrent => "Mật khẩu mới phải khác mật khẩu hiện tại".into(),
        }
    }
    pub fn message_en(self) -> String {
        match self {
            PasswordProblem::TooShort(n) => format!("at least {n} characters"),
            PasswordProblem::NoUpper => "an upper-case letter".into(),
            PasswordProblem::NoLower => "a lower-case letter".into(),
            PasswordProblem::NoDigit => "a digit".into(),
            PasswordProblem::NoSpecial => "a special character".into(),
            PasswordProblem::Common => "not a common password".into(),
            PasswordProblem::ContainsUsername => "must not contain the user name".into(),
            PasswordProblem::SameAsCurrent => "must differ from the current password".into(),
        }
    }
}

/// Passwords that meet the character rules yet are tried first by attackers.
/// Compared case-insensitively.
const COMMON_PASSWORDS: &[&str] = &[
    "P@ssw0rd",
    "P@ssword1",
    "P@ssw0rd1",
    "P@ssw0rd123",
    "Passw0rd!",
    "Password1!",
    "Password@1",
    "Password@123",
    "Password123!",
    "Admin@123",
    "Admin@1234",
    "Admin123!",
    "Admin@2024",
    "Admin@2025",
    "Abc@123",
    "Abc@1234",
    "Abc@12345",
    "Abcd@1234",
    "Abc123!@#",
    "Qwerty@123",
    "Qwerty123!",
    "Qwe@1234",
    "Welcome@1",
    "Welcome@123",
    "Welcome1!",
    "Matkhau@123",
    "MatKhau@123",
    "Matkhau123!",
    "Vietnam@123",
    "VietNam@2024",
    "Hanoi@123",
    "Zxcv@1234",
    "Aa@123456",
    "Aa123456@",
    "Aa@12345",
    "Asdf@1234",
    "Test@123",
    "Test@1234",
    "User@123",
    "Root@123",
    "Changeme1!",
    "Changeme@123",
    "Letmein1!",
    "Iloveyou1!",
    "Summer2024!",
    "Winter2024!",
    "Spring2025!",
    "Admin@123456",
    "1qaz@WSX",
    "1qaz!QAZ",
    "!QAZ2wsx",
    "1q2w3e4r!Q",
    "Q1w2e3r4!",
    "Tet@2025",
    "Canhgac@123",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub max_age_days: i64,
    pub max_failures: i64,
    pub lockout_minutes: i64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            max_age_days: 90,
            max_failures: 5,
            lockout_minutes: 15,
        }
    }
}

impl PasswordPolicy {
    /// Every rule the password breaks; empty when it is acceptable.
    pub fn problems(&self, password: &str, username: &str) -> Vec<PasswordProblem> {
        let mut out = Vec::new();
        if password.chars().count() < self.min_length {
            out.push(PasswordProblem::TooShort(self.min_length));
        }
        if !password.chars().any(char::is_uppercase) {
            out.push(PasswordProblem::NoUpper);
        }
        if !password.chars().any(char::is_lowercase) {
            out.push(PasswordProblem::NoLower);
        }
        if !password.chars().any(|c| c.is_ascii_digit()) {
            out.push(PasswordProblem::NoDigit);
        }
        if !password.chars().any(|c| !c.is_alphanumeric()) {
            out.push(PasswordProblem::NoSpecial);
        }
        if COMMON_PASSWORDS
            .iter()
            .any(|c| c.eq_ignore_ascii_case(password))
        {
            out.push(PasswordProblem::Common);
        }
        let user = username.trim().to_lowercase();
        if user.len() >= 3 && password.to_lowercase().contains(&user) {
            out.push(PasswordProblem::ContainsUsername);
        }
        out
    }

    pub fn is_expired(
        &self,
        changed_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        self.max_age_days > 0 && now - changed_at > chrono::Duration::days(self.max_age_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_matches_the_directive() {
        let p = PasswordPolicy::default();
        assert!(p.problems("Kt#2025quangngai", "nva").is_empty());
        assert_eq!(p.problems("Ab1!", "x"), vec![PasswordProblem::TooShort(8)]);
        assert!(p
            .problems("abcdefg1!", "x")
            .contains(&PasswordProblem::NoUpper));
        assert!(p
            .problems("ABCDEFG1!", "x")
            .contains(&PasswordProblem::NoLower));
        assert!(p
            .problems("Abcdefgh!", "x")
            .contains(&PasswordProblem::NoDigit));
        assert!(p
            .problems("Abcdefgh1", "x")
            .contains(&PasswordProblem::NoSpecial));
        assert_eq!(p.problems("p@SSw0rd", "x"), vec![PasswordProblem::Common]);
        assert!(p
            .problems("Nguyenvana#1", "nguyenvana")
            .contains(&PasswordProblem::ContainsUsername));
        // Vietnamese letters count as letters, not as special characters.
        assert!(p
            .problems("Đàođức1234", "x")
            .contains(&PasswordProblem::NoSpecial));
    }

    #[test]
    fn expiry() {
        let p = PasswordPolicy::default();
        let now = chrono::Utc::now();
        assert!(!p.is_expired(now - chrono::Duration::days(89), now));
        assert!(p.is_expired(now - chrono::Duration::days(91), now));
    }

    #[test]
    fn scopes() {
        let officer = Scope::new(Actor::System, 7, Role::Officer, 1);
        assert!(officer.may_read_org_data(&[7, 9]));
        assert!(!officer.may_read_org_data(&[8]));
        assert!(officer.may_edit_registry_of(&[7]));
        assert!(!officer.may_edit_org(7));
        let auditor = Scope::new(Actor::System, 1, Role::Auditor, 1);
        assert!(auditor.may_read_org_data(&[8]));
        assert!(!auditor.may_edit_registry_of(&[7]));
        // An auditor of an agency sees that agency only.
        let agency_auditor = Scope::new(Actor::System, 7, Role::Auditor, 1);
        assert!(!agency_auditor.sees_province());
        assert!(agency_auditor.may_read_org_data(&[7]));
        assert!(!agency_auditor.may_read_org_data(&[8]));
    }

    /// Every (granter role, granter organisation, granted role, organisation)
    /// over the coordinating organisation and two agencies: a grant that is
    /// allowed never widens what the granter may see or do.
    #[test]
    fn no_grant_widens_the_granter() {
        const COORD: i64 = 1;
        let orgs = [COORD, 2, 3];
        let mut allowed = 0;
        for &granter_role in Role::ALL {
            for &granter_org in &orgs {
                let g = Scope::new(Actor::System, granter_org, granter_role, COORD);
                for &role in Role::ALL {
                    for &org in &orgs {
                        if !g.may_grant(role, org, COORD) {
                            continue;
                        }
                        allowed += 1;
                        let granted = Scope::new(Actor::System, org, role, COORD);
                        for c in role.capabilities() {
                            assert!(g.may(*c), "{granter_role} gave {role} the capability {c}");
                        }
                        assert!(
                            granted.reach <= g.reach,
                            "{granter_role}@{granter_org} gave {role}@{org} a wider reach"
                        );
                        // What the granted scope sees, the granter sees.
                        for &o in &orgs {
                            if granted.may_read_org_data(&[o]) {
                                assert!(
                                    g.may_read_org_data(&[o]),
                                    "{granter_role}@{granter_org} -> {role}@{org} sees {o}"
                                );
                            }
                            if granted.may_edit_registry_of(&[o]) {
                                assert!(g.may_edit_registry_of(&[o]));
                            }
                            if granted.may_manage_users_of(o) {
                                assert!(g.may_manage_users_of(o));
                            }
                        }
                        if role == Role::Auditor && org == COORD || role == Role::Coordinator {
                            assert_eq!(
                                granter_role,
                                Role::Coordinator,
                                "province-wide reading is granted by the coordinator only"
                            );
                        }
                    }
                }
            }
        }
        // The rule is not vacuous: org admins grant their own staff.
        let admin = Scope::new(Actor::System, 2, Role::OrgAdmin, COORD);
        for role in [
            Role::OrgAdmin,
            Role::Officer,
            Role::IspOperator,
            Role::SocAnalyst,
            Role::Responder,
            Role::Auditor,
        ] {
            assert!(admin.may_grant(role, 2, COORD), "{role}");
            assert!(
                !admin.may_grant(role, 3, COORD),
                "{role} in another organisation"
            );
        }
        assert!(!admin.may_grant(Role::Coordinator, 2, COORD));
        let dept_admin = Scope::new(Actor::System, COORD, Role::OrgAdmin, COORD);
        assert!(!dept_admin.may_grant(Role::Auditor, COORD, COORD));
        assert!(allowed > 50);
    }
}
