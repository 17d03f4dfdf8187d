-- Operators' address space per ASN, imported from prefix lists; consulted
-- after the registry's own address blocks.
CREATE TABLE isp_prefixes (
    id BIGSERIAL PRIMARY KEY,
    cidr TEXT NOT NULL,
    asn BIGINT NOT NULL,
    name TEXT,
    source TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (asn, cidr)
);

-- The information system and asset that hold a listed address, when the
-- registry knows it.
ALTER TABLE botnet_listings ADD COLUMN system_id BIGINT REFERENCES systems(id) ON DELETE SET NULL;
ALTER TABLE botnet_listings ADD COLUMN asset_id BIGINT REFERENCES assets(id) ON DELETE SET NULL;
-- The operator whose address space holds the address, even when an agency's
-- own block inside it is the owner: the operator's customer count.
ALTER TABLE botnet_listings ADD COLUMN isp_org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL;
CREATE INDEX botnet_listings_isp ON botnet_listings(list_id, isp_org_id);

-- An owner's statement that a listed address was cleaned, with its note.
CREATE TABLE botnet_cleanups (
    id BIGSERIAL PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES botnet_lists(id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
    note TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at TIMESTAMPTZ NOT NULL,
    UNIQUE (list_id, ip)
);
CREATE INDEX botnet_cleanups_ip ON botnet_cleanups(ip);

-- Outgoing messages, delivered and retried by a worker.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE SET NULL,
    topic TEXT NOT NULL,
    ref_id BIGINT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
