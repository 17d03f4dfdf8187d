-- What the feeds know about each CVE: the merged record (vulnmatch::Vuln as
-- JSON) and the columns lists sort and filter by.
CREATE TABLE vulns (
    cve TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    title TEXT,
    cvss DOUBLE PRECISION,
    kev BOOLEAN NOT NULL DEFAULT FALSE,
    kev_due DATE,
    ransomware BOOLEAN NOT NULL DEFAULT FALSE,
    epss DOUBLE PRECISION,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The Authority's warnings ("công văn cảnh báo").
CREATE TABLE warnings (
    id BIGSERIAL PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    issued_on DATE NOT NULL,
    title TEXT NOT NULL,
    cves TEXT NOT NULL,
    body TEXT,
    required_action TEXT,
    deadline DATE,
    published_at TIMESTAMPTZ,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- One CVE on one asset, with the evidence that put it there.
CREATE TABLE findings (
    id BIGSERIAL PRIMARY KEY,
    asset_id BIGINT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    system_id BIGINT NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    deadline DATE NOT NULL,
    deadline_by TEXT NOT NULL,
    evidence TEXT NOT NULL,
    evidence_key TEXT NOT NULL,
    reasons TEXT NOT NULL,
    note TEXT,
    accepted_until DATE,
    detected_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (asset_id, cve)
);
CREATE INDEX findings_system ON findings(system_id);
CREATE INDEX findings_cve ON findings(cve);

-- Every move of a finding: who, when, from what to what, and why.
CREATE TABLE finding_events (
    id BIGSERIAL PRIMARY KEY,
    finding_id BIGINT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX finding_events_finding ON finding_events(finding_id);
