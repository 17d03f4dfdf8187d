//! The nouns and rules of canhgac. Nothing here does I/O: every type is built by
//! parsing, so a value that exists is a valid value ("parse, don't validate").

mod text_enum;

pub mod asset;
pub mod audit;
pub mod auth;
pub mod finding;
pub mod monitoring;
pub mod national;
pub mod net;
pub mod notice;
pub mod org;
pub mod system;

/// A value with a Vietnamese and an English label for people (every
/// `text_enum!`), so the console and documents never show a code.
pub trait Labelled {
    fn label_vi(&self) -> &'static str;
    fn label_en(&self) -> &'static str;
}

/// The Vietnamese label of a stored code of `T`, or the code as it is when
/// it is none of `T`'s (a row written by an older version).
pub fn label_vi_of<T: Labelled + std::str::FromStr>(code: &str) -> String {
    code.parse::<T>()
        .map(|v| v.label_vi().to_string())
        .unwrap_or_else(|_| code.to_string())
}

pub use asset::{AssetInput, AssetRole, DomainName, Hardware, KbId, Software, VersionScheme};
pub use auth::{Actor, Capability, PasswordPolicy, PasswordProblem, Reach, Role, Scope};
pub use finding::{FindingAction, FindingStatus};
pub use monitoring::{AlertAction, AlertSeverity, AlertState, RuleLevel};
pub use national::NationalBodies;
pub use net::{Asn, Cidr};
pub use notice::{Channel, DeliveryStatus};
pub use org::{Contact, Email, OrgInput, OrgType};
pub use system::{Approval, FunctionType, InfoSystemInput, InfoType, Protection, SecurityLevel};

/// A value that could not be parsed into a domain type. `field` names the input
/// field so that forms, imports and the API can point at the exact cell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Every problem of one input record, so the user can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push(FieldError::new(field, reason));
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Ok(()) when nothing was pushed.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| e.to_string()).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// Trims and drops empty text, the common shape of optional free-text fields.
pub fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}
