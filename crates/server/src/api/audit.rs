//! The audit log.

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit_log))
        .route("/audit/verify", get(audit_verify))
}

#[derive(Deserialize)]
struct AuditParams {
    entity: Option<String>,
    entity_id: Option<i64>,
    actor: Option<String>,
    action: Option<String>,
    before_id: Option<i64>,
    limit: Option<i64>,
}

async fn audit_log(
    State(st): State<AppState>,
    Caller(c): Caller,
    Query(p): Query<AuditParams>,
) -> ApiResult<Response> {
    let f = AuditFilter {
        entity: p.entity,
        entity_id: p.entity_id,
        actor: p.actor,
        action: p.action,
        before_id: p.before_id,
        limit: p.limit.unwrap_or(100),
    };
    Ok(Json(st.app.audit_log(&c.scope, &f).await?).into_response())
}

async fn audit_verify(State(st): State<AppState>, Caller(c): Caller) -> ApiResult<Response> {
    Ok(Json(st.app.verify_audit(&c.scope).await?).into_response())
}
