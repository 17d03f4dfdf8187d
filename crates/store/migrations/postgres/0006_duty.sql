-- High-alert periods (Tết, national events) during which chosen
-- organisations keep duty, and each organisation's roster for a period (the
-- roster engine's shifts as JSON: it checks them again when read).
CREATE TABLE alert_periods (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE alert_period_orgs (
    period_id BIGINT NOT NULL REFERENCES alert_periods(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (period_id, org_id)
);

CREATE TABLE rosters (
    id BIGSERIAL PRIMARY KEY,
    period_id BIGINT NOT NULL REFERENCES alert_periods(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    shifts TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (period_id, org_id)
);
