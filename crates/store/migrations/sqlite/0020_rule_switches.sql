-- Sigma rules switched on or off in the console, per folder (relative to the
-- configured rule folders) or per rule id; the monitoring pipeline reads
-- them with each batch. No row: the rule runs.
CREATE TABLE rule_switches (
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (kind, target)
);
