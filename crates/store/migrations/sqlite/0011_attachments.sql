-- Files attached to records other than incidents: a directive's document,
-- an organisation's evidence for a task. The bytes live in the database so
-- an upload is all or nothing.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX attachments_ref ON attachments(kind, ref_id);
