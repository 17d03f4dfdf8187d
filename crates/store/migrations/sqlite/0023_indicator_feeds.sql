-- Imported indicator feeds (plain lists, STIX 2.1 bundles, MISP events) and
-- their indicators, which join the monitoring pipeline's live indicator set
-- until they expire. A feed is known by its name: importing the same name
-- again replaces its indicators in one transaction.
CREATE TABLE indicator_feeds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- plain, stix or misp: what the file was read as.
    format TEXT NOT NULL,
    -- The TLP given at import, applied to indicators the file does not mark.
    tlp TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- The expiry given at import (days), applied to indicators the file
    -- gives none; NULL: they do not expire.
    expires_days INTEGER,
    default_expires_at TEXT,
    indicators INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE feed_indicators (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES indicator_feeds(id) ON DELETE CASCADE,
    -- incident::ObservableKind code and the value in its normal form.
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    tlp TEXT NOT NULL,
    -- NULL: does not expire.
    expires_at TEXT
);
CREATE INDEX feed_indicators_feed ON feed_indicators(feed_id);
