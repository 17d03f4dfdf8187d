-- 24/7 monitoring: sensors that send events, the alerts the detection engine
-- raises, their triage moves, and suppressions.
CREATE TABLE sensors (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    -- JSON array of system ids the sensor watches.
    system_ids TEXT NOT NULL DEFAULT '[]',
    -- JSON array of source addresses syslog from which is this sensor's.
    source_addrs TEXT NOT NULL DEFAULT '[]',
    token_id BIGINT REFERENCES api_tokens(id),
    events BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    dropped BIGINT NOT NULL DEFAULT 0,
    -- JSON array of the latest rejected lines with their reasons (bounded).
    rejected_sample TEXT NOT NULL DEFAULT '[]',
    last_event_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX sensors_token ON sensors(token_id);

CREATE TABLE alerts (
    id BIGSERIAL PRIMARY KEY,
    rule_id TEXT NOT NULL,
    rule_title TEXT NOT NULL,
    level TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    host TEXT,
    -- JSON array of addresses named by the events.
    addresses TEXT NOT NULL DEFAULT '[]',
    asset_id BIGINT REFERENCES assets(id) ON DELETE SET NULL,
    system_id BIGINT REFERENCES systems(id) ON DELETE SET NULL,
    -- The organisation the registry says the host belongs to (none: unknown host).
    org_id BIGINT REFERENCES orgs(id),
    sensor_id BIGINT REFERENCES sensors(id) ON DELETE SET NULL,
    sensor_org_id BIGINT NOT NULL REFERENCES orgs(id),
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    count BIGINT NOT NULL DEFAULT 1,
    -- JSON array of the first events that raised it (bounded).
    events TEXT NOT NULL DEFAULT '[]',
    incident_id BIGINT REFERENCES incidents(id) ON DELETE SET NULL,
    reason TEXT,
    acknowledged_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX alerts_group ON alerts(rule_id, host, last_seen);
CREATE INDEX alerts_org ON alerts(org_id);
CREATE INDEX alerts_system ON alerts(system_id);

-- One row per (event digest, rule): a redelivered event finds its row and
-- raises nothing.
CREATE TABLE alert_hits (
    digest TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    PRIMARY KEY (digest, rule_id)
);

CREATE TABLE alert_transitions (
    id BIGSERIAL PRIMARY KEY,
    alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    from_state TEXT NOT NULL,
    action TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX alert_transitions_alert ON alert_transitions(alert_id);

CREATE TABLE suppressions (
    id BIGSERIAL PRIMARY KEY,
    -- None: province-wide (the coordinator's).
    org_id BIGINT REFERENCES orgs(id),
    kind TEXT NOT NULL,
    rule_id TEXT,
    host TEXT,
    field TEXT,
    value TEXT,
    reason TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    hits BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
