-- Back to one table (every partition's rows kept), then without summaries.
ALTER TABLE scan RENAME TO scan_parts;
ALTER INDEX scan_stamp RENAME TO scan_parts_stamp;
ALTER INDEX scan_time RENAME TO scan_parts_time;
CREATE TABLE scan (
    id BIGINT PRIMARY KEY DEFAULT nextval('scan_id_seq'),
    stamp_index BIGINT,
    serial TEXT NOT NULL,
    scanned_at TIMESTAMP NOT NULL,
    origin_hash TEXT,
    origin_region TEXT,
    client_class TEXT NOT NULL,
    verdict TEXT NOT NULL,
    roll_number BIGINT,
    tally INTEGER NOT NULL DEFAULT 1,
    device TEXT,
    place TEXT
);
ALTER SEQUENCE scan_id_seq OWNED BY scan.id;
INSERT INTO scan (id, roll_number, stamp_index, serial, scanned_at, origin_hash, origin_region,
                  client_class, verdict, tally, device, place)
SELECT id, roll_number, stamp_index, serial, scanned_at, origin_hash, origin_region,
       client_class, verdict, tally, device, place
FROM scan_parts;
DROP TABLE scan_parts;
CREATE INDEX scan_stamp ON scan (roll_number, stamp_index);
CREATE INDEX scan_time ON scan (scanned_at);
DROP TABLE scan_day;
DROP TABLE scan_summary;
