//! The national bodies a province deals with, as an installation names them.
//!
//! Who issues vulnerability warnings and who receives incident reports has
//! changed (on 1 March 2025 the state management of information security
//! moved from the Ministry of Information and Communications to the Ministry
//! of Public Security), so their names are data an installation sets, never
//! words in code: documents, messages and the console read them from here.

use crate::org::Name;
use crate::FieldErrors;
use serde::{Deserialize, Serialize};

/// A body as it appears on letterheads and in "Nơi nhận".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// Full name, e.g. "Cục An ninh mạng và phòng, chống tội phạm sử dụng
    /// công nghệ cao, Bộ Công an".
    pub name: String,
    /// Abbreviation, e.g. "Cục A05".
    pub short: String,
}

/// A body that receives incident reports; `code` is what an escalation
/// stores (`vncert`, `ncsc`, …), the names are what people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub code: String,
    pub name: String,
    pub short: String,
}

/// The installation's national bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NationalBodies {
    /// Issues vulnerability warnings to the province.
    pub warning_issuer: Body,
    /// Receive incident reports, in the order documents list them.
    pub incident_recipients: Vec<Recipient>,
    /// False until the installer has confirmed the names: the console then
    /// says "cần xác nhận".
    #[serde(default)]
    pub confirmed: bool,
}

const MAX_RECIPIENTS: usize = 10;

fn check_name(errs: &mut FieldErrors, field: &str, v: &str) -> String {
    match v.parse::<Name>() {
        Ok(n) => n.to_string(),
        Err(e) => {
            errs.push(field, e);
            String::new()
        }
    }
}

fn check_short(errs: &mut FieldErrors, field: &str, v: &str) -> String {
    let t = v.trim();
    if t.is_empty() || t.chars().count() > 50 || t.chars().any(char::is_control) {
        errs.push(field, "an abbreviation of 1 to 50 characters");
    }
    t.to_string()
}

impl NationalBodies {
    /// Trims and checks every field, naming each bad one
    /// (`incident_recipients[1].code`, …).
    pub fn checked(self) -> Result<Self, FieldErrors> {
        let mut errs = FieldErrors::default();
        let warning_issuer = Body {
            name: check_name(&mut errs, "warning_issuer.name", &self.warning_issuer.name),
            short: check_short(
                &mut errs,
                "warning_issuer.short",
                &self.warning_issuer.short,
            ),
        };
        if self.incident_recipients.is_empty() || self.incident_recipients.len() > MAX_RECIPIENTS {
            errs.push(
                "incident_recipients",
                format!("1 to {MAX_RECIPIENTS} bodies that receive incident reports"),
            );
        }
        let mut recipients = Vec::new();
        for (i, r) in self
            .incident_recipients
            .iter()
            .take(MAX_RECIPIENTS)
            .enumerate()
        {
            let code = r.code.trim().to_string();
            let field = |f: &str| format!("incident_recipients[{i}].{f}");
            if code.is_empty()
                || code.len() > 30
                || !code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                errs.push(
                    field("code"),
                    "a code of 1 to 30 lowercase letters, digits or '_'",
                );
            } else if recipients.iter().any(|x: &Recipient| x.code == code) {
                errs.push(field("code"), format!("'{code}' is given twice"));
            }
            recipients.push(Recipient {
                code,
                name: check_name(&mut errs, &field("name"), &r.name),
                short: check_short(&mut errs, &field("short"), &r.short),
            });
        }
        errs.into_result()?;
        Ok(NationalBodies {
            warning_issuer,
            incident_recipients: recipients,
            confirmed: self.confirmed,
        })
    }

    /// Recipients as a form writes them, one a line: `code | short | name`
    /// (blank lines skipped); a line without three parts is named by number.
    pub fn recipients_from_lines(text: &str) -> Result<Vec<Recipient>, FieldErrors> {
        let mut errs = FieldErrors::default();
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
            match parts.as_slice() {
                [code, short, name] => out.push(Recipient {
                    code: code.to_string(),
                    short: short.to_string(),
                    name: name.to_string(),
                }),
                _ => errs.push(
                    format!("incident_recipients line {}", i + 1),
                    "write code | short name | full name",
                ),
            }
        }
        errs.into_result()?;
        Ok(out)
    }

    /// The recipients as [`Self::recipients_from_lines`] reads them.
    pub fn recipients_as_lines(&self) -> String {
        self.incident_recipients
            .iter()
            .map(|r| format!("{} | {} | {}", r.code, r.short, r.name))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The recipient an escalation code names.
    pub fn recipient(&self, code: &str) -> Option<&Recipient> {
        self.incident_recipients.iter().find(|r| r.code == code)
    }

    /// An incident history entry as people read it. Entries written before
    /// the history named the body ("reported to vncert on 26/01/2025 by
    /// e-mail") carry the escalation code: it is read as the abbreviation
    /// the installation gives that code today ("reported to VNCERT/CC on …"),
    /// a code no longer set as itself in capitals, so old and new entries
    /// read alike. Entries that already name a body are left as they are;
    /// `None` means "unchanged".
    pub fn history_entry(&self, text: &str) -> Option<String> {
        let rest = text.strip_prefix("reported to ")?;
        let (to, tail) = rest.split_once(" on ")?;
        let is_code = !to.is_empty()
            && to
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !is_code || self.incident_recipients.iter().any(|r| r.short == to) {
            return None;
        }
        let short = self.escalation_label(to);
        Some(format!("reported to {short} on {tail}"))
    }

    /// The abbreviation of the body an escalation code names today; a code
    /// the installation no longer sets is shown in capitals ("NCSC").
    pub fn escalation_label(&self, code: &str) -> String {
        match self.recipient(code) {
            Some(r) => r.short.clone(),
            None => code.to_uppercase(),
        }
    }

    /// The codes an escalation may name, for error messages: "vncert, ncsc".
    pub fn codes(&self) -> String {
        self.incident_recipients
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NationalBodies {
        NationalBodies {
            warning_issuer: Body {
                name: " Cục X ".into(),
                short: "CX".into(),
            },
            incident_recipients: vec![Recipient {
                code: "vncert".into(),
                name: "Trung tâm Y".into(),
                short: "Y".into(),
            }],
            confirmed: false,
        }
    }

    #[test]
    fn trims_and_accepts() {
        let b = sample().checked().unwrap();
        assert_eq!(b.warning_issuer.name, "Cục X");
        assert_eq!(b.recipient("vncert").unwrap().short, "Y");
        assert!(b.recipient("ncsc").is_none());
    }

    #[test]
    fn old_history_entries_read_as_new_ones() {
        let mut b = sample();
        b.incident_recipients.push(Recipient {
            code: "ncsc".into(),
            name: "Trung tâm Z".into(),
            short: "NCSC".into(),
        });
        // Written before the history named the body: the code.
        assert_eq!(
            b.history_entry("reported to vncert on 26/01/2025 by e-mail")
                .as_deref(),
            Some("reported to Y on 26/01/2025 by e-mail")
        );
        // A code no longer set: in capitals, never the bare code.
        assert_eq!(
            b.history_entry("reported to csirt_x on 01/02/2025 by phone")
                .as_deref(),
            Some("reported to CSIRT_X on 01/02/2025 by phone")
        );
        // Written since: the body as it was called on the day, untouched.
        for kept in [
            "reported to Y on 26/01/2025 by e-mail",
            "reported to NCSC on 26/01/2025 by e-mail",
            "reported to Cục A05 on 26/01/2025 by e-mail",
            "severity high → critical",
            "reported to vncert",
        ] {
            assert_eq!(b.history_entry(kept), None, "{kept}");
        }
        assert_eq!(b.escalation_label("ncsc"), "NCSC");
        assert_eq!(b.escalation_label("vncert"), "Y");
        assert_eq!(b.escalation_label("old"), "OLD");
    }

    #[test]
    fn recipients_round_trip_through_lines() {
        let b = sample();
        let lines = b.recipients_as_lines();
        assert_eq!(
            NationalBodies::recipients_from_lines(&format!("{lines}\n\n")).unwrap(),
            b.incident_recipients
        );
        let e = NationalBodies::recipients_from_lines("ncsc | NCSC | Trung tâm\nbad line")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn names_every_bad_field() {
        let mut b = sample();
        b.warning_issuer.short = String::new();
        b.incident_recipients.push(Recipient {
            code: "VNCERT!".into(),
            name: String::new(),
            short: "Z".into(),
        });
        b.incident_recipients.push(b.incident_recipients[0].clone());
        let e = b.checked().unwrap_err().to_string();
        assert!(e.contains("warning_issuer.short"), "{e}");
        assert!(e.contains("incident_recipients[1].code"), "{e}");
        assert!(e.contains("incident_recipients[1].name"), "{e}");
        assert!(
            e.contains("incident_recipients[2].code: 'vncert' is given twice"),
            "{e}"
        );
        let none = NationalBodies {
            incident_recipients: vec![],
            ..sample()
        };
        assert!(none.checked().is_err());
    }
}
