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

/// The acting party of every use case. Nothing reads or writes tenant data
/// without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub actor: Actor,
    pub org_id: i64,
    pub role: Role,
}

impl Scope {
    /// The explicit scope of background work and set-up: province-wide.
    pub fn system(coordinator_org_id: i64) -> Self {
        Scope {
            actor: Actor::System,
            org_id: coordinator_org_id,
            role: Role::Coordinator,
        }
    }

    /// Coordinators and auditors see the whole province.
    pub fn sees_province(&self) -> bool {
        matches!(self.role, Role::Coordinator | Role::Auditor)
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

    pub fn may_manage_users_of(&self, org_id: i64) -> bool {
        self.may_edit_org(org_id)
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
        let officer = Scope {
            actor: Actor::System,
            org_id: 7,
            role: Role::Officer,
        };
        assert!(officer.may_read_org_data(&[7, 9]));
        assert!(!officer.may_read_org_data(&[8]));
        assert!(officer.may_edit_registry_of(&[7]));
        assert!(!officer.may_edit_org(7));
        let auditor = Scope {
            role: Role::Auditor,
            ..officer.clone()
        };
        assert!(auditor.may_read_org_data(&[8]));
        assert!(!auditor.may_edit_registry_of(&[7]));
    }
}
