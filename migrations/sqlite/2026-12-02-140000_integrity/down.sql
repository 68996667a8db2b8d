DROP TRIGGER batch_lot_alias_public_delete;
DROP TRIGGER batch_lot_alias_public_insert;
DROP TRIGGER epcis_event_public_delete;
DROP TRIGGER epcis_event_public_update;
DROP TRIGGER epcis_event_public_insert;
ALTER TABLE epcis_event DROP COLUMN retracted;
DROP TABLE facility_move;
DROP TABLE batch_lot_alias;
