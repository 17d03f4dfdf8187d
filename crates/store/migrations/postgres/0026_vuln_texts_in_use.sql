-- The shared texts of findings (vuln_texts, migration 0025) that no finding
-- uses any more are deleted by the matching run that wrote findings: the
-- findings that use a text are found by these indexes (and the foreign
-- keys' check of each deleted text needs them, on both databases).
CREATE INDEX findings_evidence_id ON findings(evidence_id) WHERE evidence_id IS NOT NULL;
CREATE INDEX findings_reasons_id ON findings(reasons_id) WHERE reasons_id IS NOT NULL;
