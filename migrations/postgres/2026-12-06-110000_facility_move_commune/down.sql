ALTER TABLE facility_move DROP COLUMN to_commune_code;
ALTER TABLE facility_move DROP COLUMN from_commune_code;
