-- Botnet IP lists (the Authority's monthly list, Shadowserver, own feeds) and
-- each listed address with the owner its address block resolved to.
CREATE TABLE botnet_lists (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    period TEXT NOT NULL,
    file_name TEXT NOT NULL,
    lines BIGINT NOT NULL,
    listed BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    special BIGINT NOT NULL,
    unknown_owner BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (source, period)
);

CREATE TABLE botnet_listings (
    id BIGSERIAL PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES botnet_lists(id) ON DELETE CASCADE,
    line BIGINT NOT NULL,
    ip TEXT NOT NULL,
    owner_org_id BIGINT REFERENCES orgs(id),
    matched_block TEXT,
    family TEXT,
    port BIGINT,
    seen TEXT,
    asn BIGINT,
    c2 TEXT
);
CREATE INDEX botnet_listings_owner ON botnet_listings(list_id, owner_org_id);
