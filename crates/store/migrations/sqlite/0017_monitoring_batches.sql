-- Batches whose sensor counts were added, by the batch's key: a batch a
-- NATS JetStream consumer receives again (a node died before acknowledging
-- it) adds nothing twice. Rows older than the pruning horizon are removed.
CREATE TABLE monitoring_batches (
    batch_key TEXT PRIMARY KEY,
    counted_at TEXT NOT NULL
);
CREATE INDEX monitoring_batches_counted ON monitoring_batches(counted_at);
