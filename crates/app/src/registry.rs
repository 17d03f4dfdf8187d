//! The registry: organisations, information systems and their assets.

use crate::{invalid, App, AppError, Result};
use domain::{AssetInput, FieldErrors, InfoSystemInput, OrgInput, Scope};
use store::assets::{Asset, AssetFilter};
use store::orgs::{Org, OrgFilter};
use store::systems::{InfoSystem, SystemFilter};
use store::{Conn, Page};

impl App {
    // ---- organisations ----

    pub async fn orgs(&self, scope: &Scope, f: &OrgFilter) -> Result<Page<Org>> {
        Ok(store::orgs::list(&mut self.store.conn(), scope, f).await?)
    }

    pub async fn org(&self, scope: &Scope, id: i64) -> Result<Org> {
        store::orgs::get(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    async fn check_org_input(
        &self,
        c: &mut Conn<'_>,
        scope: &Scope,
        input: &OrgInput,
        id: Option<i64>,
    ) -> Result<()> {
        let mut errs = FieldErrors::default();
        if let Some(p) = input.parent_id {
            if Some(p) == id {
                errs.push("parent_id", "an organisation cannot be its own parent");
            } else if store::orgs::get(c, scope, p).await?.is_none() {
                errs.push("parent_id", format!("no organisation #{p}"));
            }
        }
        errs.into_result()?;
        Ok(())
    }

    pub async fn create_org(&self, scope: &Scope, input: &OrgInput) -> Result<Org> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator registers organisations".into(),
            ));
        }
        self.check_org_input(&mut self.store.conn(), scope, input, None)
            .await?;
        let mut tx = self.store.begin().await?;
        let org = store::orgs::create(&mut tx, scope, input).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_org(&self, scope: &Scope, id: i64, input: &OrgInput) -> Result<Org> {
        let before = self.org(scope, id).await?;
        if !scope.may_edit_org(id) {
            return Err(AppError::Forbidden(
                "you may not edit this organisation".into(),
            ));
        }
        // An organisation's own admin may not change what it is or where it sits.
        if !scope.is_coordinator()
            && (input.org_type != before.data.org_type || input.parent_id != before.data.parent_id)
        {
            return Err(AppError::Forbidden(
                "only the coordinator changes an organisation's type or parent".into(),
            ));
        }
        self.check_org_input(&mut self.store.conn(), scope, input, Some(id))
            .await?;
        let mut tx = self.store.begin().await?;
        let org = store::orgs::update(&mut tx, scope, &before, input).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn delete_org(&self, scope: &Scope, id: i64) -> Result<()> {
        let before = self.org(scope, id).await?;
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator removes organisations".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let usage = store::orgs::usage(&mut tx, id).await?;
        if usage.systems + usage.users + usage.children > 0 {
            return Err(AppError::Conflict(format!(
                "the organisation still has {} systems, {} accounts and {} subordinate organisations; move or remove them first",
                usage.systems, usage.users, usage.children
            )));
        }
        store::orgs::delete(&mut tx, scope, &before).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- information systems ----

    pub async fn systems(&self, scope: &Scope, f: &SystemFilter) -> Result<Page<InfoSystem>> {
        Ok(store::systems::list(&mut self.store.conn(), scope, f).await?)
    }

    pub async fn system(&self, scope: &Scope, id: i64) -> Result<InfoSystem> {
        store::systems::get(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Checks the references of a system against what the caller may use.
    pub(crate) async fn check_system_input(
        &self,
        c: &mut Conn<'_>,
        scope: &Scope,
        input: &InfoSystemInput,
    ) -> Result<()> {
        let mut errs = input.cross_field_problems(today());
        if !scope.may_edit_registry_of(&[input.owner_org_id]) {
            errs.push(
                "owner_org_id",
                "you may only register systems of your own organisation",
            );
        }
        for (field, id) in [
            ("owner_org_id", Some(input.owner_org_id)),
            ("operator_org_id", input.operator_org_id),
            ("soc_provider_id", input.soc_provider_id),
            ("isp_id", input.isp_id),
        ] {
            if let Some(id) = id {
                match store::orgs::get(c, scope, id).await? {
                    None => errs.push(field, format!("no organisation #{id}")),
                    Some(o) => {
                        let expected = match field {
                            "soc_provider_id" => Some(domain::OrgType::Soc),
                            "isp_id" => Some(domain::OrgType::Isp),
                            _ => None,
                        };
                        if let Some(t) = expected.filter(|t| *t != o.data.org_type) {
                            errs.push(
                                field,
                                format!("{} is not of type {}", o.data.short_name, t.as_str()),
                            );
                        }
                    }
                }
            }
        }
        errs.into_result()?;
        Ok(())
    }

    pub async fn create_system(
        &self,
        scope: &Scope,
        input: &InfoSystemInput,
    ) -> Result<InfoSystem> {
        refuse_readers(scope)?;
        self.check_system_input(&mut self.store.conn(), scope, input)
            .await?;
        let mut tx = self.store.begin().await?;
        let s = store::systems::create(&mut tx, scope, input).await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn update_system(
        &self,
        scope: &Scope,
        id: i64,
        input: &InfoSystemInput,
    ) -> Result<InfoSystem> {
        let before = self.system(scope, id).await?;
        if !scope.may_edit_registry_of(&before.tenants()) {
            return Err(AppError::Forbidden("you may not edit this system".into()));
        }
        self.check_system_input(&mut self.store.conn(), scope, input)
            .await?;
        let mut tx = self.store.begin().await?;
        let s = store::systems::update(&mut tx, scope, &before, input).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Deletes a system with its assets, each recorded in the audit log.
    pub async fn delete_system(&self, scope: &Scope, id: i64) -> Result<()> {
        let before = self.system(scope, id).await?;
        if !scope.may_edit_registry_of(&before.tenants()) {
            return Err(AppError::Forbidden("you may not delete this system".into()));
        }
        let mut tx = self.store.begin().await?;
        for a in store::assets::of_system(&mut tx, scope, id).await? {
            store::assets::delete(&mut tx, scope, &a).await?;
        }
        store::systems::delete(&mut tx, scope, &before).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- assets ----

    pub async fn assets(&self, scope: &Scope, f: &AssetFilter) -> Result<Page<Asset>> {
        Ok(store::assets::list(&mut self.store.conn(), scope, f).await?)
    }

    pub async fn asset(&self, scope: &Scope, id: i64) -> Result<Asset> {
        store::assets::get(&mut self.store.conn(), scope, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The system an asset is to belong to, if the caller may edit it.
    async fn asset_system(&self, scope: &Scope, input: &AssetInput) -> Result<InfoSystem> {
        let system = store::systems::get(&mut self.store.conn(), scope, input.system_id)
            .await?
            .ok_or_else(|| invalid("system_id", format!("no system #{}", input.system_id)))?;
        if !scope.may_edit_registry_of(&system.tenants()) {
            return Err(AppError::Forbidden(
                "you may not edit this system's assets".into(),
            ));
        }
        Ok(system)
    }

    pub async fn create_asset(&self, scope: &Scope, input: &AssetInput) -> Result<Asset> {
        refuse_readers(scope)?;
        let system = self.asset_system(scope, input).await?;
        let mut tx = self.store.begin().await?;
        let id = store::assets::create(&mut tx, scope, input, system.data.owner_org_id).await?;
        tx.commit().await?;
        self.asset(scope, id).await
    }

    pub async fn update_asset(&self, scope: &Scope, id: i64, input: &AssetInput) -> Result<Asset> {
        let before = self.asset(scope, id).await?;
        if !scope.may_edit_registry_of(&before.tenants()) {
            return Err(AppError::Forbidden("you may not edit this asset".into()));
        }
        let system = self.asset_system(scope, input).await?;
        let mut tx = self.store.begin().await?;
        store::assets::update(&mut tx, scope, &before, input, system.data.owner_org_id).await?;
        tx.commit().await?;
        self.asset(scope, id).await
    }

    pub async fn delete_asset(&self, scope: &Scope, id: i64) -> Result<()> {
        let before = self.asset(scope, id).await?;
        if !scope.may_edit_registry_of(&before.tenants()) {
            return Err(AppError::Forbidden("you may not delete this asset".into()));
        }
        let mut tx = self.store.begin().await?;
        store::assets::delete(&mut tx, scope, &before).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Roles that never change the registry get a plain refusal rather than
/// field errors about ownership.
fn refuse_readers(scope: &Scope) -> Result<()> {
    if scope.may_edit_registry_of(&[scope.org_id]) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "the role {} does not change the registry",
            scope.role.as_str()
        )))
    }
}

/// Today's date in Vietnam, where every date in the registry is meant.
pub fn today() -> chrono::NaiveDate {
    vn_date(chrono::Utc::now())
}

/// The Vietnamese calendar day of a moment (UTC+7, no DST).
pub fn vn_date(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    (at + chrono::Duration::hours(7)).date_naive()
}

/// A date as people type it: YYYY-MM-DD (a date input) or dd/mm/yyyy.
pub fn parse_vn_date(text: &str) -> Option<chrono::NaiveDate> {
    let t = text.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
}

/// Midnight of a Vietnamese calendar day, in UTC.
pub fn vn_day_start(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(7)
}

/// A moment as people in Vietnam read it: dd/mm/yyyy HH:MM (UTC+7, no DST).
pub fn format_vn_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(7))
        .format("%d/%m/%Y %H:%M")
        .to_string()
}
