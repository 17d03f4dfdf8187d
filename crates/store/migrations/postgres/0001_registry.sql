CREATE TABLE orgs (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL UNIQUE,
    org_type TEXT NOT NULL,
    parent_id BIGINT REFERENCES orgs(id),
    address TEXT,
    contacts TEXT NOT NULL DEFAULT '[]',
    contact_24x7 TEXT,
    asns TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX orgs_type ON orgs(org_type);

CREATE TABLE org_blocks (
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    cidr TEXT NOT NULL,
    PRIMARY KEY (org_id, cidr)
);

CREATE TABLE systems (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    owner_org_id BIGINT NOT NULL REFERENCES orgs(id),
    operator_org_id BIGINT REFERENCES orgs(id),
    function_type TEXT NOT NULL,
    info_types TEXT NOT NULL DEFAULT '[]',
    data_subjects BIGINT,
    proposed_level BIGINT,
    approved_level BIGINT,
    approval_number TEXT,
    approval_date DATE,
    approval_body TEXT,
    internet_facing BOOLEAN NOT NULL DEFAULT FALSE,
    soc_provider_id BIGINT REFERENCES orgs(id),
    isp_id BIGINT REFERENCES orgs(id),
    onsite_force BOOLEAN NOT NULL DEFAULT FALSE,
    soc_monitoring BOOLEAN NOT NULL DEFAULT FALSE,
    last_assessment DATE,
    ncsc_connected BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    -- Kept by the store with every asset insert and delete, so lists need not count.
    asset_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX systems_owner ON systems(owner_org_id);
CREATE INDEX systems_operator ON systems(operator_org_id);

CREATE TABLE assets (
    id BIGSERIAL PRIMARY KEY,
    system_id BIGINT NOT NULL REFERENCES systems(id),
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
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX assets_system ON assets(system_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    org_id BIGINT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
