-- Rules that hold on every entry point (README, "Rules").

-- A lot code printed on stamps keeps resolving after a correction: the old
-- code names the same batch. One code per product, whether current or former.
CREATE TABLE batch_lot_alias (
    product_id TEXT NOT NULL REFERENCES product (id),
    lot_code TEXT NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
    replaced_at TIMESTAMP NOT NULL,
    PRIMARY KEY (product_id, lot_code)
);
CREATE INDEX batch_lot_alias_batch ON batch_lot_alias (batch_id);

-- A facility moved from one province to another, shown to the regulators
-- of both.
CREATE TABLE facility_move (
    id TEXT PRIMARY KEY NOT NULL,
    facility_id TEXT NOT NULL REFERENCES facility (id) ON DELETE CASCADE,
    from_province TEXT NOT NULL,
    from_district TEXT NOT NULL,
    to_province TEXT NOT NULL,
    to_district TEXT NOT NULL,
    reason TEXT NOT NULL,
    moved_by TEXT NOT NULL,
    moved_at TIMESTAMP NOT NULL
);
CREATE INDEX facility_move_from ON facility_move (from_province);
CREATE INDEX facility_move_to ON facility_move (to_province);

-- A captured event its enterprise retracted with an EPCIS errorDeclaration.
ALTER TABLE epcis_event ADD COLUMN retracted BOOLEAN NOT NULL DEFAULT 0;

-- Captured events show on the consumer page: they move the resolver's counter.
CREATE TRIGGER epcis_event_public_insert AFTER INSERT ON epcis_event
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER epcis_event_public_update AFTER UPDATE ON epcis_event
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER epcis_event_public_delete AFTER DELETE ON epcis_event
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER batch_lot_alias_public_insert AFTER INSERT ON batch_lot_alias
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER batch_lot_alias_public_delete AFTER DELETE ON batch_lot_alias
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
