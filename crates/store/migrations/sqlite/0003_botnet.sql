-- Botnet IP lists (the Authority's monthly list, Shadowserver, own feeds) and
-- each listed address with the owner its address block resolved to.
CREATE TABLE botnet_lists (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    period TEXT NOT NULL,
    file_name TEXT NOT NULL,
    lines INTEGER NOT NULL,
    listed INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    special INTEGER NOT NULL,
    unknown_owner INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source, period)
);

CREATE TABLE botnet_listings (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES botnet_lists(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    ip TEXT NOT NULL,
    owner_org_id INTEGER REFERENCES orgs(id),
    matched_block TEXT,
    family TEXT,
    port INTEGER,
    seen TEXT,
    asn INTEGER,
    c2 TEXT
);
CREATE INDEX botnet_listings_owner ON botnet_listings(list_id, owner_org_id);
