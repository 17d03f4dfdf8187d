-- Operators' address space per ASN, imported from prefix lists; consulted
-- after the registry's own address blocks.
CREATE TABLE isp_prefixes (
    id INTEGER PRIMARY KEY,
    cidr TEXT NOT NULL,
    asn INTEGER NOT NULL,
    name TEXT,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (asn, cidr)
);

-- The information system and asset that hold a listed address, when the
-- registry knows it.
ALTER TABLE botnet_listings ADD COLUMN system_id INTEGER REFERENCES systems(id) ON DELETE SET NULL;
ALTER TABLE botnet_listings ADD COLUMN asset_id INTEGER REFERENCES assets(id) ON DELETE SET NULL;
-- The operator whose address space holds the address, even when an agency's
-- own block inside it is the owner: the operator's customer count.
ALTER TABLE botnet_listings ADD COLUMN isp_org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL;
CREATE INDEX botnet_listings_isp ON botnet_listings(list_id, isp_org_id);

-- An owner's statement that a listed address was cleaned, with its note.
CREATE TABLE botnet_cleanups (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES botnet_lists(id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    note TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL,
    UNIQUE (list_id, ip)
);
CREATE INDEX botnet_cleanups_ip ON botnet_cleanups(ip);

-- Outgoing messages, delivered and retried by a worker.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    topic TEXT NOT NULL,
    ref_id INTEGER,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
