-- Statements that name an asset's product but cannot be compared with its
-- version ("cannot be evaluated"): neither a finding nor a clearance. The
-- matcher replaces the whole list on every run.
CREATE TABLE vuln_unevaluable (
    asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    source TEXT NOT NULL,
    record TEXT NOT NULL,
    rule TEXT NOT NULL,
    inventory_fact TEXT NOT NULL,
    reason TEXT NOT NULL,
    found_at TEXT NOT NULL
);
CREATE INDEX vuln_unevaluable_asset ON vuln_unevaluable(asset_id);
CREATE INDEX vuln_unevaluable_cve ON vuln_unevaluable(cve);
