-- Files attached to records other than incidents: a directive's document,
-- an organisation's evidence for a task. The bytes live in the database so
-- an upload is all or nothing.
CREATE TABLE attachments (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    org_id BIGINT REFERENCES orgs(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    added_by TEXT NOT NULL,
    added_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_ref ON attachments(kind, ref_id);
