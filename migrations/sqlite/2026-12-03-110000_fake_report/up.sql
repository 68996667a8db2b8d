-- A suspected fake reported from the public page (README, "Reporting a
-- suspected fake"). The province is the stamp's facility's when the code
-- names one of our stamps (then roll, batch and enterprise are kept, so the
-- producer sees it), else the one the reporter chose. The photo is the
-- re-encoded JPEG, never the upload.
CREATE TABLE fake_report (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    roll_id TEXT REFERENCES stamp_roll (id),
    stamp_index BIGINT,
    batch_id TEXT REFERENCES batch (id),
    enterprise_id TEXT REFERENCES enterprise (id),
    province TEXT NOT NULL,
    shop_name TEXT NOT NULL,
    shop_address TEXT NOT NULL,
    phone TEXT,
    photo BLOB,
    reported_at TIMESTAMP NOT NULL
);
CREATE INDEX fake_report_province ON fake_report (province, reported_at);
CREATE INDEX fake_report_enterprise ON fake_report (enterprise_id, reported_at);
