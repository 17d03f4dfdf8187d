-- Who issued each warning, as the installation named the issuer when the
-- warning was recorded (domain::NationalBodies::warning_issuer): the warning
-- report and the periodic report name it, so renaming the issuer later (as on
-- 1 March 2025) does not rewrite earlier warnings.
ALTER TABLE warnings ADD COLUMN issuer_name TEXT;
ALTER TABLE warnings ADD COLUMN issuer_short TEXT;

-- Warnings recorded before this column existed were shown with the issuer the
-- settings named, so they keep that name, now frozen. Where the settings are
-- missing the columns stay NULL and readers fall back to the settings of the
-- day.
UPDATE warnings SET
  issuer_name = (SELECT json_extract(value, '$.warning_issuer.name') FROM settings WHERE key = 'national_bodies'),
  issuer_short = (SELECT json_extract(value, '$.warning_issuer.short') FROM settings WHERE key = 'national_bodies');
