-- What the resolver reads of a stamp's scans: one row per scanned stamp,
-- kept by the scan flusher in the transaction that writes the scans, so
-- that a lookup costs one row however many scans the stamp has. `checkers`
-- holds the 64 most recently seen (network, device, place) groups of the
-- scans that name a checker (README, "Clone detection"), each as
-- "network,device,place,last seen" and separated by ";".
CREATE TABLE scan_summary (
    roll_number BIGINT NOT NULL,
    stamp_index BIGINT NOT NULL,
    scans BIGINT NOT NULL DEFAULT 0,
    first_at TIMESTAMP,
    first_place TEXT,
    checkers TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (roll_number, stamp_index)
);

INSERT INTO scan_summary (roll_number, stamp_index, scans, first_at, first_place, checkers)
WITH stamp_scan AS (
    SELECT * FROM scan WHERE roll_number IS NOT NULL AND stamp_index IS NOT NULL
), totals AS (
    SELECT roll_number, stamp_index, count(*) AS scans, min(scanned_at) AS first_at
    FROM stamp_scan GROUP BY roll_number, stamp_index
), firsts AS (
    SELECT roll_number, stamp_index, place,
           row_number() OVER (PARTITION BY roll_number, stamp_index ORDER BY scanned_at, id) AS n
    FROM stamp_scan
), groups AS (
    SELECT roll_number, stamp_index, origin_hash, device, place, max(scanned_at) AS seen
    FROM stamp_scan
    WHERE origin_hash IS NOT NULL AND client_class <> 'tool'
    GROUP BY roll_number, stamp_index, origin_hash, device, place
), recent AS (
    SELECT groups.*,
           row_number() OVER (PARTITION BY roll_number, stamp_index ORDER BY seen DESC) AS n
    FROM groups
), kept AS (
    SELECT roll_number, stamp_index,
           group_concat(origin_hash || ',' || coalesce(device, '') || ',' || coalesce(place, '')
                        || ',' || seen, ';') AS checkers
    FROM recent WHERE n <= 64
    GROUP BY roll_number, stamp_index
)
SELECT t.roll_number, t.stamp_index, t.scans, t.first_at, f.place, coalesce(k.checkers, '')
FROM totals t
JOIN firsts f ON f.roll_number = t.roll_number AND f.stamp_index = t.stamp_index AND f.n = 1
LEFT JOIN kept k ON k.roll_number = t.roll_number AND k.stamp_index = t.stamp_index;

-- Stamps' scans per day (UTC), roll and province ('' when unknown), with
-- their verdicts: what the dashboards chart, kept by the flusher like the
-- summaries, so that a chart over a year reads a row per day and roll
-- rather than every scan.
CREATE TABLE scan_day (
    day DATE NOT NULL,
    roll_number BIGINT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    scans BIGINT NOT NULL DEFAULT 0,
    genuine BIGINT NOT NULL DEFAULT 0,
    suspicious BIGINT NOT NULL DEFAULT 0,
    recalled BIGINT NOT NULL DEFAULT 0,
    voided BIGINT NOT NULL DEFAULT 0,
    facility_suspended BIGINT NOT NULL DEFAULT 0,
    expired BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, roll_number, place)
);
CREATE INDEX scan_day_roll ON scan_day (roll_number, day);

INSERT INTO scan_day (day, roll_number, place, scans, genuine, suspicious, recalled, voided,
                      facility_suspended, expired)
SELECT date(scanned_at), roll_number, coalesce(place, ''), sum(tally),
       sum(CASE WHEN verdict = 'genuine' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'suspicious' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'recalled' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'voided' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'facility_suspended' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'expired' THEN tally ELSE 0 END)
FROM scan
WHERE roll_number IS NOT NULL AND stamp_index IS NOT NULL
GROUP BY date(scanned_at), roll_number, coalesce(place, '');
