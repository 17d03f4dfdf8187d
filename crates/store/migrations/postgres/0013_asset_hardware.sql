-- The device an asset is, or its firmware runs on: vendor|model[|hardware CPE],
-- NVD's "running on" platform (domain::Hardware).
ALTER TABLE assets ADD COLUMN hardware TEXT;
