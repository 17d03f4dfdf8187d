-- What the matcher last wrote into a finding (priority, deadline, evidence,
-- reasons, system), as a 64-bit digest: a run that finds the same writes
-- nothing. NULL for findings written before, which the next run rewrites.
ALTER TABLE findings ADD COLUMN match_digest INTEGER;
-- Digests of whole outputs of the matcher (the "cannot be evaluated" list),
-- so an unchanged list is not deleted and written again.
CREATE TABLE vuln_match_state (
    name TEXT PRIMARY KEY,
    digest INTEGER NOT NULL
);
