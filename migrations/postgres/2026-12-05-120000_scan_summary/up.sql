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
           string_agg(origin_hash || ',' || coalesce(device, '') || ',' || coalesce(place, '')
                        || ',' || to_char(seen, 'YYYY-MM-DD HH24:MI:SS.US'), ';') AS checkers
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
SELECT CAST(scanned_at AS DATE), roll_number, coalesce(place, ''), sum(tally),
       sum(CASE WHEN verdict = 'genuine' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'suspicious' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'recalled' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'voided' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'facility_suspended' THEN tally ELSE 0 END),
       sum(CASE WHEN verdict = 'expired' THEN tally ELSE 0 END)
FROM scan
WHERE roll_number IS NOT NULL AND stamp_index IS NOT NULL
GROUP BY CAST(scanned_at AS DATE), roll_number, coalesce(place, '');

-- Raw scans partitioned by month of `scanned_at`, so that old months are
-- dropped whole (SCAN_RETENTION_MONTHS) and a windowed query reads only its
-- months. A partitioned table's primary key must hold the partition key:
-- (id, scanned_at); ids still come from the one sequence, which `tail`
-- follows. Partitions are named scan_YYYY_MM and created here for every
-- month with scans up to three months ahead, and later by each node
-- (`resolver::retention`).
ALTER TABLE scan RENAME TO scan_whole;
ALTER INDEX scan_stamp RENAME TO scan_whole_stamp;
ALTER INDEX scan_time RENAME TO scan_whole_time;
CREATE TABLE scan (
    id BIGINT NOT NULL DEFAULT nextval('scan_id_seq'),
    roll_number BIGINT,
    stamp_index BIGINT,
    serial TEXT NOT NULL,
    scanned_at TIMESTAMP NOT NULL,
    origin_hash TEXT,
    origin_region TEXT,
    client_class TEXT NOT NULL,
    verdict TEXT NOT NULL,
    tally INTEGER NOT NULL DEFAULT 1,
    device TEXT,
    place TEXT,
    PRIMARY KEY (id, scanned_at)
) PARTITION BY RANGE (scanned_at);
ALTER SEQUENCE scan_id_seq OWNED BY scan.id;
DO $$
DECLARE
    m DATE;
    upto DATE;
BEGIN
    SELECT CAST(date_trunc('month', coalesce(min(scanned_at), now() AT TIME ZONE 'UTC')) AS DATE),
           CAST(date_trunc('month', greatest(coalesce(max(scanned_at), now() AT TIME ZONE 'UTC'),
                (now() AT TIME ZONE 'UTC') + INTERVAL '3 months')) AS DATE)
    INTO m, upto
    FROM scan_whole;
    WHILE m <= upto LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF scan FOR VALUES FROM (%L) TO (%L)',
                       'scan_' || to_char(m, 'YYYY_MM'), m,
                       CAST(m + INTERVAL '1 month' AS DATE));
        m := CAST(m + INTERVAL '1 month' AS DATE);
    END LOOP;
END $$;
INSERT INTO scan (id, roll_number, stamp_index, serial, scanned_at, origin_hash, origin_region,
                  client_class, verdict, tally, device, place)
SELECT id, roll_number, stamp_index, serial, scanned_at, origin_hash, origin_region,
       client_class, verdict, tally, device, place
FROM scan_whole;
DROP TABLE scan_whole;
CREATE INDEX scan_stamp ON scan (roll_number, stamp_index);
CREATE INDEX scan_time ON scan (scanned_at);
