DROP TRIGGER batch_lot_alias_public_change ON batch_lot_alias;
DROP TRIGGER epcis_event_public_change ON epcis_event;
ALTER TABLE epcis_event DROP COLUMN retracted;
DROP TABLE facility_move;
DROP TABLE batch_lot_alias;
