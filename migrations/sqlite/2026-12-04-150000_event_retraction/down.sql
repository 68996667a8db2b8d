ALTER TABLE event DROP COLUMN corrected_at;
ALTER TABLE event DROP COLUMN retracted_by;
ALTER TABLE event DROP COLUMN retraction_reason;
ALTER TABLE event DROP COLUMN retracted_at;
