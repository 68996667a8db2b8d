-- A facility's GS1 Global Location Number (13 digits), optional: the
-- resolver answers `/414/{gln}` with the facility's public record, so one
-- GLN names at most one facility.
ALTER TABLE facility ADD COLUMN gln TEXT;
CREATE UNIQUE INDEX facility_gln ON facility (gln);
