-- High-alert periods (Tết, national events) during which chosen
-- organisations keep duty, and each organisation's roster for a period (the
-- roster engine's shifts as JSON: it checks them again when read).
CREATE TABLE alert_periods (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE alert_period_orgs (
    period_id INTEGER NOT NULL REFERENCES alert_periods(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (period_id, org_id)
);

CREATE TABLE rosters (
    id INTEGER PRIMARY KEY,
    period_id INTEGER NOT NULL REFERENCES alert_periods(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    shifts TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (period_id, org_id)
);
