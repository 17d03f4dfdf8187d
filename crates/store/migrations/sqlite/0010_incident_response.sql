-- Incident tasks, evidence files with their chain of custody, the deadline
-- reminders already sent, and the response network's contact directory.
CREATE TABLE incident_tasks (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_at TEXT,
    done_at TEXT,
    done_by TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX incident_tasks_incident ON incident_tasks(incident_id);

-- The bytes live in the database so an upload is all or nothing.
CREATE TABLE incident_evidence (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    note TEXT,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX incident_evidence_incident ON incident_evidence(incident_id);

CREATE TABLE incident_evidence_access (
    id INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES incident_evidence(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL
);
CREATE INDEX incident_evidence_access_evidence ON incident_evidence_access(evidence_id);

-- Milestones whose "about to pass" reminder went out, e.g. 'report,contain'.
ALTER TABLE incidents ADD COLUMN reminded TEXT NOT NULL DEFAULT '';

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    phone TEXT,
    hotline TEXT,
    email TEXT,
    note TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The national contact points named in the directives (public facts).
INSERT INTO contacts (category, name, title, phone, hotline, email, note, updated_by, updated_at) VALUES
 ('national', 'Trung tâm Ứng cứu khẩn cấp không gian mạng Việt Nam (VNCERT/CC)', 'Đầu mối ứng cứu sự cố quốc gia', '02436404421', '0869100317', 'ir@vncert.vn', 'Đường dây nóng ứng cứu sự cố', 'system', '2026-01-01T00:00:00Z'),
 ('national', 'Trung tâm Giám sát an toàn không gian mạng quốc gia (NCSC)', 'Giám sát, cảnh báo sớm', '02432091616', '0389942878', 'ais@mic.gov.vn', 'Đường dây nóng hỗ trợ giám sát, cảnh báo sớm', 'system', '2026-01-01T00:00:00Z'),
 ('national', 'Cục An toàn thông tin - Phòng An toàn hệ thống thông tin', 'Hỗ trợ giải pháp an toàn thông tin', NULL, '0888133359', 'athttt@mic.gov.vn', 'Đường dây nóng hỗ trợ tổng thể các giải pháp an toàn thông tin', 'system', '2026-01-01T00:00:00Z');
