-- Each record's compact form (vulnmatch::compact): what matching and the
-- priority read of it, as bytes that decode fast, so a matching run does not
-- parse every record's JSON. Written with the record; NULL for records
-- imported before this migration, which are then read from their JSON.
ALTER TABLE vulns ADD COLUMN match_form BYTEA;
