-- Incidents as reported with the initial report form (Circular 20/2017), their
-- state, the responders assigned, the timeline and the observables.
CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    reporting_org_id BIGINT NOT NULL REFERENCES orgs(id),
    system_id BIGINT REFERENCES systems(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    report TEXT NOT NULL,
    class TEXT NOT NULL,
    severity TEXT NOT NULL,
    tlp TEXT NOT NULL,
    state TEXT NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    acknowledged_at TIMESTAMPTZ,
    contained_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    end_report TEXT,
    escalations TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX incidents_org ON incidents(reporting_org_id);

CREATE TABLE incident_assignees (
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, user_id)
);

CREATE TABLE incident_entries (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX incident_entries_incident ON incident_entries(incident_id);

CREATE TABLE incident_observables (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    tlp TEXT NOT NULL,
    role TEXT NOT NULL,
    comment TEXT,
    added_by TEXT NOT NULL,
    added_at TIMESTAMPTZ NOT NULL,
    UNIQUE (incident_id, kind, value)
);
CREATE INDEX incident_observables_value ON incident_observables(value);
