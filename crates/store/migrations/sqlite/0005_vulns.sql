-- What the feeds know about each CVE: the merged record (vulnmatch::Vuln as
-- JSON) and the columns lists sort and filter by.
CREATE TABLE vulns (
    cve TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    title TEXT,
    cvss REAL,
    kev INTEGER NOT NULL DEFAULT 0,
    kev_due TEXT,
    ransomware INTEGER NOT NULL DEFAULT 0,
    epss REAL,
    updated_at TEXT NOT NULL
);

-- The Authority's warnings ("công văn cảnh báo").
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    issued_on TEXT NOT NULL,
    title TEXT NOT NULL,
    cves TEXT NOT NULL,
    body TEXT,
    required_action TEXT,
    deadline TEXT,
    published_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- One CVE on one asset, with the evidence that put it there.
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    cve TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    deadline TEXT NOT NULL,
    deadline_by TEXT NOT NULL,
    evidence TEXT NOT NULL,
    evidence_key TEXT NOT NULL,
    reasons TEXT NOT NULL,
    note TEXT,
    accepted_until TEXT,
    detected_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (asset_id, cve)
);
CREATE INDEX findings_system ON findings(system_id);
CREATE INDEX findings_cve ON findings(cve);

-- Every move of a finding: who, when, from what to what, and why.
CREATE TABLE finding_events (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX finding_events_finding ON finding_events(finding_id);
