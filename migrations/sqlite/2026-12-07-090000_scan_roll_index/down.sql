DROP INDEX scan_roll;
CREATE INDEX scan_stamp ON scan (roll_number, stamp_index);

CREATE TABLE scan_summary_rowid (
    roll_number BIGINT NOT NULL,
    stamp_index BIGINT NOT NULL,
    scans BIGINT NOT NULL DEFAULT 0,
    first_at TIMESTAMP,
    first_place TEXT,
    checkers TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (roll_number, stamp_index)
);
INSERT INTO scan_summary_rowid SELECT roll_number, stamp_index, scans, first_at, first_place, checkers FROM scan_summary;
DROP TABLE scan_summary;
ALTER TABLE scan_summary_rowid RENAME TO scan_summary;
