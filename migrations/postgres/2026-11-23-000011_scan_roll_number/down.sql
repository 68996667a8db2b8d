ALTER TABLE scan ADD COLUMN roll_id TEXT;
UPDATE scan SET roll_id = r.id FROM stamp_roll r WHERE r.number = scan.roll_number;
DROP INDEX scan_stamp;
ALTER TABLE scan DROP COLUMN roll_number;
CREATE INDEX scan_stamp ON scan (roll_id, stamp_index, scanned_at);
