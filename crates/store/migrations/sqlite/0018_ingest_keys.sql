-- Batches of events already received, by the sender's idempotency key
-- (`Idempotency-Key`), so a forwarder that sends a batch again after losing
-- the answer is told it was accepted and nothing is counted twice. Bounded:
-- keys older than a week are swept when new ones are written.
CREATE TABLE ingest_keys (
    -- 'sensor:ID' or 'org:ID' (a person's token of the organisation).
    sender TEXT NOT NULL,
    key TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (sender, key)
);
CREATE INDEX ingest_keys_age ON ingest_keys(received_at);
