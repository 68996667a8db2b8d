DROP INDEX scan_roll;
CREATE INDEX scan_stamp ON scan (roll_number, stamp_index);
