//! A realistic fictional province, tỉnh Sơn Hà, for demos and tests.
//!
//! [`generate`] returns the same province for the same seed: organisations
//! (the coordinating Sở Khoa học và Công nghệ, the provincial police's
//! cyber-security unit, agencies, commune and ward committees, the four
//! telecom operators with their real address space and AS numbers, a SOC
//! provider, the national bodies), information systems of levels 1–4 with
//! their protection status, their assets, and demo accounts for every role.
//!
//! Nothing here knows about the database. Values that the loader assigns
//! (organisation and system ids) are left as `0` / `None`; the loader
//! resolves them from the keys carried beside each value.

mod assets;
pub mod bulk;
mod ipspace;
mod orgs;
pub use orgs::TO_CONFIRM;
mod people;
mod systems;
mod users;

use rand::rngs::StdRng;
use rand::SeedableRng;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Province {
    /// Parents always come before their children.
    pub orgs: Vec<DemoOrg>,
    pub systems: Vec<DemoSystem>,
    pub users: Vec<DemoUser>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub key: String,
    pub parent_key: Option<String>,
    /// `parent_id` is `None`; the loader sets it from `parent_key`.
    pub input: domain::OrgInput,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSystem {
    pub owner_key: String,
    pub operator_key: Option<String>,
    pub soc_key: Option<String>,
    pub isp_key: Option<String>,
    /// `owner_org_id` is `0` and the other organisation ids are `None`; the
    /// loader fills them from the keys above.
    pub input: domain::InfoSystemInput,
    /// `system_id` is `0` on every asset.
    pub assets: Vec<domain::AssetInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub org_key: String,
    pub role: domain::Role,
    pub password: String,
}

/// The province for `seed`. Different seeds vary the people, the address
/// blocks and host addresses, some versions and patch levels, and some
/// protection details; the catalogue of bodies and systems stays the same.
pub fn generate(seed: u64) -> Province {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut plan = ipspace::AddressPlan::new();
    let (orgs, infos) = orgs::build(&mut rng, &mut plan);
    let systems = systems::build(&mut rng, &mut plan, &infos);
    let users = users::build(&mut rng);
    Province {
        orgs,
        systems,
        users,
    }
}
