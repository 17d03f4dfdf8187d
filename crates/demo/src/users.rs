//! Demo accounts: one or more for every role, with passwords that pass the
//! directives' policy.

use crate::people::Person;
use crate::DemoUser;
use domain::{PasswordPolicy, Role};
use rand::seq::SliceRandom;
use rand::Rng;

const ACCOUNTS: &[(&str, &str, Role)] = &[
    ("skhcn.admin", "skhcn", Role::Coordinator),
    ("skhcn.auditor", "skhcn", Role::Auditor),
    ("ttdl.admin", "ttdl", Role::OrgAdmin),
    ("ttdl.officer", "ttdl", Role::Officer),
    ("ttdl.responder", "ttdl", Role::Responder),
    ("vpubnd.admin", "vpubnd", Role::OrgAdmin),
    ("vpubnd.officer", "vpubnd", Role::Officer),
    ("stc.admin", "stc", Role::OrgAdmin),
    ("stc.officer", "stc", Role::Officer),
    ("syt.admin", "syt", Role::OrgAdmin),
    ("syt.officer", "syt", Role::Officer),
    ("syt.responder", "syt", Role::Responder),
    ("sgddt.officer", "sgddt", Role::Officer),
    ("bhxh.officer", "bhxh", Role::Officer),
    ("psonha.admin", "psonha", Role::OrgAdmin),
    ("psonha.officer", "psonha", Role::Officer),
    ("viettel.noc", "viettel", Role::IspOperator),
    ("vnpt.noc", "vnpt", Role::IspOperator),
    ("fpt.noc", "fpt", Role::IspOperator),
    ("mobifone.noc", "mobifone", Role::IspOperator),
    ("soc.analyst1", "soc", Role::SocAnalyst),
    ("soc.analyst2", "soc", Role::SocAnalyst),
];

/// Syllables without diacritics, so the password can be typed on any keyboard.
const SYLLABLES: &[&str] = &[
    "sen", "mai", "dao", "lua", "song", "nui", "trang", "gio", "bien", "sao", "tre", "cau", "que",
    "thu", "xuan", "ha", "dong", "binh", "phuc", "lam", "khe", "doi", "tram", "suoi", "ngan",
];
const SPECIALS: &[char] = &['!', '@', '#', '$', '%', '&', '*', '?', '+', '='];

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Two syllables, a special character, four digits and a third syllable:
/// long enough to resist guessing, short enough to read out in a demo.
fn password(rng: &mut impl Rng, username: &str) -> String {
    let policy = PasswordPolicy::default();
    let mut candidate = String::new();
    for _ in 0..32 {
        let mut syllable = || *SYLLABLES.choose(rng).unwrap_or(&"sen");
        let (a, b, c) = (syllable(), syllable(), syllable());
        let special = SPECIALS.choose(rng).copied().unwrap_or('#');
        candidate = format!(
            "{}{}{special}{:04}{}",
            capitalised(a),
            b,
            rng.gen_range(0..10_000),
            capitalised(c)
        );
        if policy.problems(&candidate, username).is_empty() {
            break;
        }
    }
    candidate
}

pub fn build(rng: &mut impl Rng) -> Vec<DemoUser> {
    ACCOUNTS
        .iter()
        .map(|&(username, org_key, role)| DemoUser {
            username: username.to_string(),
            display_name: Person::random(rng).full_name(),
            org_key: org_key.to_string(),
            role,
            password: password(rng, username),
        })
        .collect()
}
