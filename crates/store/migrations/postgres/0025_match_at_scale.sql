-- A matching run at the scale of a province (issue 14).
--
-- 1. The records' compact forms (vulnmatch::compact) in a table of their
--    own, apart from the records' JSON (as in SQLite, where a form beside
--    the JSON was reached through the JSON's overflow pages).
CREATE TABLE vuln_match_forms (
    cve TEXT PRIMARY KEY,
    form BYTEA NOT NULL
);
INSERT INTO vuln_match_forms (cve, form)
    SELECT cve, match_form FROM vulns WHERE match_form IS NOT NULL;
ALTER TABLE vulns DROP COLUMN match_form;

-- 2. Per asset, the digest of everything the matcher found for it when it
--    last wrote its findings: an asset whose digest is the same is not read
--    back. Any other change to one of its findings (a person's move, a
--    correction) forgets the digest, so the next run reads that asset again.
CREATE TABLE vuln_asset_match (
    asset_id BIGINT PRIMARY KEY REFERENCES assets(id) ON DELETE CASCADE,
    digest BIGINT NOT NULL
);
CREATE FUNCTION findings_forget_match() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM vuln_asset_match WHERE asset_id IN (OLD.asset_id, NEW.asset_id);
    ELSE
        DELETE FROM vuln_asset_match WHERE asset_id = OLD.asset_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER findings_forget_match AFTER UPDATE OR DELETE ON findings
    FOR EACH ROW EXECUTE FUNCTION findings_forget_match();

-- 3. The evidence and the priority's reasons, stored once per distinct
--    text (by its digest) instead of once per finding. Findings written
--    before keep their texts inline (evidence_id and reasons_id NULL).
CREATE TABLE vuln_texts (
    id BIGSERIAL PRIMARY KEY,
    digest BIGINT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
ALTER TABLE findings ADD COLUMN evidence_id BIGINT REFERENCES vuln_texts(id);
ALTER TABLE findings ADD COLUMN reasons_id BIGINT REFERENCES vuln_texts(id);

-- 4. The accepted risks that expire: a run reads them without reading the
--    findings of assets it does not otherwise read.
CREATE INDEX findings_accepted_until ON findings(accepted_until)
    WHERE accepted_until IS NOT NULL;
