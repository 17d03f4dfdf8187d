-- Directives as campaigns: the document's tasks, each for the organisations
-- it names (resolved when recorded), and each organisation's progress.
CREATE TABLE directives (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    issued_on TEXT NOT NULL,
    issuer TEXT NOT NULL,
    title TEXT NOT NULL,
    period_id INTEGER REFERENCES alert_periods(id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE directive_tasks (
    id INTEGER PRIMARY KEY,
    directive_id INTEGER NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    recipients TEXT NOT NULL,
    deadline TEXT,
    evidence_required BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX directive_tasks_directive ON directive_tasks(directive_id);

CREATE TABLE task_recipients (
    task_id INTEGER NOT NULL REFERENCES directive_tasks(id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    note TEXT,
    updated_by TEXT,
    updated_at TEXT,
    PRIMARY KEY (task_id, org_id)
);
