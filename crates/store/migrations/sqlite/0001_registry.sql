CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL UNIQUE,
    org_type TEXT NOT NULL,
    parent_id INTEGER REFERENCES orgs(id),
    address TEXT,
    contacts TEXT NOT NULL DEFAULT '[]',
    contact_24x7 TEXT,
    asns TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orgs_type ON orgs(org_type);

CREATE TABLE org_blocks (
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    cidr TEXT NOT NULL,
    PRIMARY KEY (org_id, cidr)
);

CREATE TABLE systems (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    owner_org_id INTEGER NOT NULL REFERENCES orgs(id),
    operator_org_id INTEGER REFERENCES orgs(id),
    function_type TEXT NOT NULL,
    info_types TEXT NOT NULL DEFAULT '[]',
    data_subjects INTEGER,
    proposed_level INTEGER,
    approved_level INTEGER,
    approval_number TEXT,
    approval_date TEXT,
    approval_body TEXT,
    internet_facing BOOLEAN NOT NULL DEFAULT FALSE,
    soc_provider_id INTEGER REFERENCES orgs(id),
    isp_id INTEGER REFERENCES orgs(id),
    onsite_force BOOLEAN NOT NULL DEFAULT FALSE,
    soc_monitoring BOOLEAN NOT NULL DEFAULT FALSE,
    last_assessment TEXT,
    ncsc_connected BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    -- Kept by the store with every asset insert and delete, so lists need not count.
    asset_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX systems_owner ON systems(owner_org_id);
CREATE INDEX systems_operator ON systems(operator_org_id);

CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    system_id INTEGER NOT NULL REFERENCES systems(id),
    hostname TEXT NOT NULL,
    role TEXT NOT NULL,
    ips TEXT NOT NULL DEFAULT '[]',
    domains TEXT NOT NULL DEFAULT '[]',
    os_name TEXT,
    os_version TEXT,
    os_build TEXT,
    software TEXT NOT NULL DEFAULT '[]',
    modules TEXT NOT NULL DEFAULT '[]',
    hotfixes TEXT NOT NULL DEFAULT '[]',
    kbs TEXT NOT NULL DEFAULT '[]',
    notes TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX assets_system ON assets(system_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    org_id INTEGER,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
