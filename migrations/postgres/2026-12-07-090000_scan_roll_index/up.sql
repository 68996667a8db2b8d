-- Scans stay cheap to write as they grow (README, "Scans at scale"): the
-- per-stamp index took every scan at a random place, and the resolver reads
-- scan_summary, not a stamp's scans. Within a roll ids follow time, so each
-- new scan lands at the end of its roll's range.
DROP INDEX scan_stamp;
CREATE INDEX scan_roll ON scan (roll_number, id);
