-- Scans stay cheap to write as they grow (README, "Scans at scale").
-- The per-stamp index (roll, stamp) took every scan at a random place: as the
-- table grew past the page cache each flush read and wrote more of it, and the
-- resolver no longer reads a stamp's scans (it reads scan_summary). Listing a
-- roll's scans needs the roll; within it, ids follow time, so each new scan
-- lands at the end of its roll's range.
DROP INDEX scan_stamp;
CREATE INDEX scan_roll ON scan (roll_number, id);

-- The summaries keyed by their primary key alone (no rowid, no second
-- B-tree): a flush reads and rewrites one row per stamp it saw.
CREATE TABLE scan_summary_keyed (
    roll_number BIGINT NOT NULL,
    stamp_index BIGINT NOT NULL,
    scans BIGINT NOT NULL DEFAULT 0,
    first_at TIMESTAMP,
    first_place TEXT,
    checkers TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (roll_number, stamp_index)
) WITHOUT ROWID;
INSERT INTO scan_summary_keyed SELECT roll_number, stamp_index, scans, first_at, first_place, checkers FROM scan_summary;
DROP TABLE scan_summary;
ALTER TABLE scan_summary_keyed RENAME TO scan_summary;
