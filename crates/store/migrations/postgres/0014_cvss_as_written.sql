-- CVSS scores as the records write them (one decimal): earlier versions stored
-- the f32 score widened to f64 (9.800000190734863).
UPDATE vulns SET cvss = ROUND(cvss * 10) / 10.0 WHERE cvss IS NOT NULL;
