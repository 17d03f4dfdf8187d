use std::fmt;

use serde::{Deserialize, Serialize};

use crate::RosterError;

const MAX_NAME_CHARS: usize = 100;
const MIN_PHONE_DIGITS: usize = 8;
const MAX_PHONE_DIGITS: usize = 15;

/// Someone who can be put on duty. A value that exists is valid: the name is
/// trimmed, non-empty and at most 100 characters, the phone is normalised.
///
/// Two entries are the same person when their normalised phone numbers are
/// equal: the number is what the province calls at 3 a.m., and the same
/// person is often typed with and without diacritics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PersonInput")]
pub struct Person {
    name: String,
    phone: String,
}

#[derive(Deserialize)]
struct PersonInput {
    name: String,
    phone: String,
}

impl TryFrom<PersonInput> for Person {
    type Error = RosterError;
    fn try_from(input: PersonInput) -> Result<Self, RosterError> {
        Person::new(&input.name, &input.phone)
    }
}

impl Person {
    /// Checks the name and normalises the phone number.
    ///
    /// Phone numbers: digits, with spaces, dots and dashes as separators and
    /// one optional leading `+`; 8 to 15 digits (E.164 allows 15). A national
    /// number (`0…`) and the `00` international prefix are rewritten to `+…`
    /// (`0905 123 456` → `+84905123456`) so that one phone has one spelling.
    pub fn new(name: &str, phone: &str) -> Result<Self, RosterError> {
        Ok(Person {
            name: check_text("person name", name, MAX_NAME_CHARS)?,
            phone: normalise_phone(phone)?,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The normalised number, `+` followed by digits unless it was given
    /// without a country or national prefix.
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// The number as Vietnamese documents print it: a Vietnamese number
    /// (`+84…`) in its national form grouped for reading (`0905 123 456`,
    /// `0255 3822 123`); any other as stored.
    pub fn phone_local(&self) -> String {
        let Some(rest) = self.phone.strip_prefix("+84") else {
            return self.phone.clone();
        };
        let national = format!("0{rest}");
        let groups: &[usize] = match national.len() {
            10 => &[4, 3, 3],
            11 => &[4, 4, 3],
            _ => return national,
        };
        let mut out = String::with_capacity(national.len() + 2);
        let mut at = 0;
        for &g in groups {
            if at > 0 {
                out.push(' ');
            }
            out.push_str(&national[at..at + g]);
            at += g;
        }
        out
    }

    /// Same person, by phone number (see the type's documentation).
    pub fn same_as(&self, other: &Person) -> bool {
        self.phone == other.phone
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.phone)
    }
}

/// Trims, refuses empty, over-long and control-character text.
pub(crate) fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<String, RosterError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RosterError::EmptyText { field });
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(RosterError::TextTooLong { field, chars, max });
    }
    if text.chars().any(char::is_control) {
        return Err(RosterError::ControlCharacter { field });
    }
    Ok(text.to_owned())
}

fn normalise_phone(raw: &str) -> Result<String, RosterError> {
    let value = raw.trim();
    let (plus, rest) = match value.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' => {}
            found => {
                return Err(RosterError::PhoneCharacter {
                    value: shorten(value),
                    found,
                })
            }
        }
    }
    let count = digits.len();
    if !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&count) {
        return Err(RosterError::PhoneDigitCount {
            value: shorten(value),
            digits: count,
        });
    }
    Ok(if plus {
        format!("+{digits}")
    } else if let Some(international) = digits.strip_prefix("00") {
        format!("+{international}")
    } else if let Some(national) = digits.strip_prefix('0') {
        format!("+84{national}")
    } else {
        digits
    })
}

/// Keeps error messages readable when someone pastes a paragraph into the
/// phone field.
fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut short: String = value.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_print_in_national_form() {
        let local = |phone: &str| Person::new("A", phone).unwrap().phone_local();
        assert_eq!(local("0905.123.456"), "0905 123 456");
        assert_eq!(local("+84 255 3822 123"), "0255 3822 123");
        assert_eq!(local("+84 2553 8221"), "025538221");
        assert_eq!(local("+33 1 23 45 67 89"), "+33123456789");
    }

    #[test]
    fn phones_normalise() {
        let p = |s| Person::new("A", s).map(|p| p.phone);
        assert_eq!(p("0905 123 456").unwrap(), "+84905123456");
        assert_eq!(p("+84 905.123-456").unwrap(), "+84905123456");
        assert_eq!(p("0084905123456").unwrap(), "+84905123456");
        assert_eq!(p("0255 3822 123").unwrap(), "+842553822123");
        assert!(matches!(
            p("113"),
            Err(RosterError::PhoneDigitCount { digits: 3, .. })
        ));
        assert!(matches!(
            p("0905-ABC-456"),
            Err(RosterError::PhoneCharacter { found: 'A', .. })
        ));
        assert!(matches!(
            p("++84905123456"),
            Err(RosterError::PhoneCharacter { found: '+', .. })
        ));
        assert!(matches!(
            p("1234567890123456"),
            Err(RosterError::PhoneDigitCount { digits: 16, .. })
        ));
    }

    #[test]
    fn names_checked() {
        assert_eq!(
            Person::new("  Nguyễn Văn An ", "0905123456")
                .unwrap()
                .name(),
            "Nguyễn Văn An"
        );
        assert!(matches!(
            Person::new("  ", "0905123456"),
            Err(RosterError::EmptyText { .. })
        ));
        let long = "ă".repeat(101);
        assert!(matches!(
            Person::new(&long, "0905123456"),
            Err(RosterError::TextTooLong { chars: 101, .. })
        ));
        assert!(Person::new(&"ă".repeat(100), "0905123456").is_ok());
        assert!(matches!(
            Person::new("A\u{0}B", "0905123456"),
            Err(RosterError::ControlCharacter { .. })
        ));
    }
}
