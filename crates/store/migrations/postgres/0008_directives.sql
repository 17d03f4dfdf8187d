-- Directives as campaigns: the document's tasks, each for the organisations
-- it names (resolved when recorded), and each organisation's progress.
CREATE TABLE directives (
    id BIGSERIAL PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    issued_on DATE NOT NULL,
    issuer TEXT NOT NULL,
    title TEXT NOT NULL,
    period_id BIGINT REFERENCES alert_periods(id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE directive_tasks (
    id BIGSERIAL PRIMARY KEY,
    directive_id BIGINT NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    recipients TEXT NOT NULL,
    deadline DATE,
    evidence_required BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX directive_tasks_directive ON directive_tasks(directive_id);

CREATE TABLE task_recipients (
    task_id BIGINT NOT NULL REFERENCES directive_tasks(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    note TEXT,
    updated_by TEXT,
    updated_at TIMESTAMPTZ,
    PRIMARY KEY (task_id, org_id)
);
