//! The installation's national bodies (who issues vulnerability warnings,
//! who receives incident reports): read by every document and message that
//! names them, edited by the coordinator.

use crate::{App, AppError, Result};
use domain::{NationalBodies, Scope};

impl App {
    /// Everyone signed in may read them: the console names them.
    pub async fn national_bodies(&self, _scope: &Scope) -> Result<NationalBodies> {
        self.bodies().await
    }

    /// The coordinator replaces them (audited); the names are checked first.
    pub async fn set_national_bodies(
        &self,
        scope: &Scope,
        input: NationalBodies,
    ) -> Result<NationalBodies> {
        if !scope.is_coordinator() {
            return Err(AppError::Forbidden(
                "only the coordinator names the national bodies".into(),
            ));
        }
        let checked = input.checked().map_err(AppError::Invalid)?;
        let mut tx = self.store.begin().await?;
        store::settings::set_national_bodies(&mut tx, scope, &checked).await?;
        tx.commit().await?;
        Ok(checked)
    }

    /// The names an incident report is addressed to ("Kính gửi").
    pub(crate) async fn incident_recipient_names(&self) -> Result<Vec<String>> {
        Ok(self
            .bodies()
            .await?
            .incident_recipients
            .into_iter()
            .map(|r| r.name)
            .collect())
    }

    /// The stored bodies, for documents and messages.
    pub(crate) async fn bodies(&self) -> Result<NationalBodies> {
        store::settings::national_bodies(&mut self.store.conn())
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "the national bodies are not set: the coordinator sets them under administration (Quản trị → Cơ quan quốc gia)".into(),
                )
            })
    }
}
