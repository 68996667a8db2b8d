CREATE TABLE scan_by_id (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    roll_id TEXT,
    stamp_index BIGINT,
    serial TEXT NOT NULL,
    scanned_at TIMESTAMP NOT NULL,
    origin_hash TEXT,
    origin_region TEXT,
    client_class TEXT NOT NULL,
    verdict TEXT NOT NULL
);
INSERT INTO scan_by_id
    (id, roll_id, stamp_index, serial, scanned_at, origin_hash, origin_region, client_class, verdict)
SELECT s.id, r.id, s.stamp_index, s.serial, s.scanned_at, s.origin_hash, s.origin_region,
       s.client_class, s.verdict
FROM scan s LEFT JOIN stamp_roll r ON r.number = s.roll_number
ORDER BY s.id;
DROP TABLE scan;
ALTER TABLE scan_by_id RENAME TO scan;
CREATE INDEX scan_stamp ON scan (roll_id, stamp_index, scanned_at);
CREATE INDEX scan_time ON scan (scanned_at);
