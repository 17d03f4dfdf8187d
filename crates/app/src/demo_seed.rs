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
        Ok(Some(DemoAccounts {
            orgs: province.orgs.len(),
            systems: province.systems.len(),
            assets,
            users,
        }))
    }
}
