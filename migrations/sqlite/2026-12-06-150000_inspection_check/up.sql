-- The inspection checklist's answers (issue 19): one row per item of the
-- facility kind's checklist (`domain::checklist`), written in the same
-- transaction as the inspection. `code` is the item's stable code;
-- `answer` is pass, fail or not_applicable; `note` only on a failed item.
-- The inspection's photos are in `photo`, owner_kind 'inspection'.
CREATE TABLE inspection_check (
    inspection_id TEXT NOT NULL REFERENCES inspection (id),
    code TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('pass', 'fail', 'not_applicable')),
    note TEXT,
    PRIMARY KEY (inspection_id, code)
);
