-- Laboratories and their results per batch (README, "Export codes and lab
-- results"). A laboratory lists the markets that recognise it (comma-
-- separated codes of domain::market). A result holds its analytes, each with
-- its result, limit and unit; `passed` is computed once, from them, when it
-- is recorded. The certificate is the PDF as uploaded (checked to be one).
CREATE TABLE laboratory (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    accreditation TEXT NOT NULL UNIQUE,
    markets TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE lab_result (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
    laboratory_id TEXT NOT NULL REFERENCES laboratory (id),
    sampled_on DATE NOT NULL,
    sampled_by TEXT NOT NULL,
    reported_on DATE NOT NULL,
    passed BOOLEAN NOT NULL,
    certificate BLOB,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX lab_result_batch ON lab_result (batch_id);

CREATE TABLE lab_analyte (
    lab_result_id TEXT NOT NULL REFERENCES lab_result (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    analyte TEXT NOT NULL,
    result DOUBLE NOT NULL,
    limit_value DOUBLE NOT NULL,
    unit TEXT NOT NULL,
    PRIMARY KEY (lab_result_id, position)
);

-- The consumer page shows results: changes reach the resolver's cache.
CREATE TRIGGER lab_result_public_insert AFTER INSERT ON lab_result
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER lab_result_public_update AFTER UPDATE ON lab_result
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER lab_result_public_delete AFTER DELETE ON lab_result
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER lab_analyte_public_insert AFTER INSERT ON lab_analyte
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER lab_analyte_public_update AFTER UPDATE ON lab_analyte
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER lab_analyte_public_delete AFTER DELETE ON lab_analyte
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER laboratory_public_insert AFTER INSERT ON laboratory
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER laboratory_public_update AFTER UPDATE ON laboratory
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER laboratory_public_delete AFTER DELETE ON laboratory
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
