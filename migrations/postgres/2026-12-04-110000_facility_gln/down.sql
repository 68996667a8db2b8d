DROP INDEX facility_gln;
ALTER TABLE facility DROP COLUMN gln;
