-- One store for the photos people take in the field (issue 19): an event's
-- (shown on the consumer page's timeline), a producer's answer to an
-- inspection finding (shown to regulators). `owner_kind` + `owner_id` name
-- what a photo belongs to, so another feature can keep its photos here too.
-- `bytes` is the re-encoded JPEG (`domain::photo`), never the upload: no
-- EXIF, no position. `etag` is a hash of the bytes; a photo never changes.
CREATE TABLE photo (
    id TEXT PRIMARY KEY NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    alt TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    etag TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX photo_owner ON photo (owner_kind, owner_id);
-- Event photos are on the consumer page: cached records must see them.
CREATE TRIGGER photo_public_insert AFTER INSERT ON photo
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER photo_public_delete AFTER DELETE ON photo
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;

-- A producer's answer to an inspection's findings: what was done, by whom,
-- when (its photos are in `photo`, owner_kind 'finding_answer').
CREATE TABLE finding_answer (
    id TEXT PRIMARY KEY NOT NULL,
    inspection_id TEXT NOT NULL REFERENCES inspection (id),
    note TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL
);
CREATE INDEX finding_answer_inspection ON finding_answer (inspection_id, answered_at);
