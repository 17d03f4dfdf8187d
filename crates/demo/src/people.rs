//! People, telephone numbers and mailboxes of the province.

use domain::org::{Name, Phone};
use domain::{Contact, Email};
use rand::seq::SliceRandom;
use rand::Rng;

const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan",
    "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lương", "Mai",
    "Tạ", "Đoàn",
];
const MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Ngọc", "Xuân", "Anh", "Tiến",
    "Trọng", "Đình",
];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Kim", "Minh", "Hồng", "Phương", "Thùy", "Mỹ", "Diệu",
];
const GIVEN_MALE: &[&str] = &[
    "Hùng", "Dũng", "Nam", "Tuấn", "Hải", "Long", "Sơn", "Phong", "Khánh", "Trung", "Thắng",
    "Quân", "Bình", "Hiếu", "Đạt", "Vinh", "Tâm", "Toàn", "Cường", "Thành", "Huy", "Lộc", "Phúc",
    "Kiên",
];
const GIVEN_FEMALE: &[&str] = &[
    "Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Hà", "Thảo", "Yến", "Ngân", "Nhung", "Oanh",
    "Hạnh", "Vân", "Dung", "Thủy", "Huyền", "Loan", "Giang", "Nga",
];

/// Vietnamese letters and the ASCII letter official mailboxes and user names
/// use for them (mail systems of the provinces accept ASCII only).
const FOLD: &[(&str, char)] = &[
    ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
    ("đ", 'd'),
    ("èéẻẽẹêềếểễệ", 'e'),
    ("ìíỉĩị", 'i'),
    ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
    ("ùúủũụưừứửữự", 'u'),
    ("ỳýỷỹỵ", 'y'),
];

/// Lower-case ASCII form of Vietnamese text; anything else but letters and
/// digits is dropped.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            FOLD.iter()
                .find(|(set, _)| set.contains(c))
                .map_or(c, |(_, base)| *base)
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[derive(Debug, Clone)]
pub struct Person {
    family: &'static str,
    middle: &'static str,
    given: &'static str,
}

impl Person {
    pub fn random(rng: &mut impl Rng) -> Person {
        let pick =
            |rng: &mut _, list: &'static [&'static str]| *list.choose(rng).unwrap_or(&list[0]);
        let (middles, givens) = if rng.gen_bool(0.55) {
            (MIDDLE_MALE, GIVEN_MALE)
        } else {
            (MIDDLE_FEMALE, GIVEN_FEMALE)
        };
        Person {
            family: pick(rng, FAMILY),
            middle: pick(rng, middles),
            given: pick(rng, givens),
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {} {}", self.family, self.middle, self.given)
    }

    /// The mailbox convention of most provincial mail systems: initials of
    /// the family and middle names, then the given name (Nguyễn Văn Hùng → nvhung).
    pub fn mailbox(&self) -> String {
        let initial = |s: &str| fold(s).chars().next().unwrap_or('x');
        format!(
            "{}{}{}",
            initial(self.family),
            initial(self.middle),
            fold(self.given)
        )
    }
}

/// A provincial landline, written as the directives print them.
pub fn landline(rng: &mut impl Rng) -> String {
    format!(
        "0255 3{:03} {:03}",
        rng.gen_range(700..900),
        rng.gen_range(0..1000)
    )
}

pub fn mobile(rng: &mut impl Rng) -> String {
    const PREFIXES: &[&str] = &["090", "091", "093", "094", "096", "097", "098"];
    let prefix = PREFIXES.choose(rng).unwrap_or(&PREFIXES[0]);
    format!(
        "{prefix}{} {:03} {:03}",
        rng.gen_range(0..10),
        rng.gen_range(0..1000),
        rng.gen_range(0..1000)
    )
}

/// Builds a contact from text the generator itself produced; the unwraps
/// can only fail on a bug in this crate, which the tests would catch.
pub fn contact(name: &str, title: &str, phone: Option<&str>, email: Option<&str>) -> Contact {
    Contact {
        name: name.parse::<Name>().expect("generated contact name"),
        title: Some(title.to_string()).filter(|t| !t.is_empty()),
        phone: phone.map(|p| p.parse::<Phone>().expect("generated phone")),
        email: email.map(|e| e.parse::<Email>().expect("generated e-mail")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Đặng Thị Thủy"), "dangthithuy");
        assert_eq!(fold("Ỷ Lan-Ngọc"), "ylanngoc");
        let p = Person {
            family: "Nguyễn",
            middle: "Văn",
            given: "Hùng",
        };
        assert_eq!(p.mailbox(), "nvhung");
        assert_eq!(p.full_name(), "Nguyễn Văn Hùng");
    }
}
