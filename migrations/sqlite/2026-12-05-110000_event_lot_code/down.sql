ALTER TABLE event DROP COLUMN assigned_lot_code;
