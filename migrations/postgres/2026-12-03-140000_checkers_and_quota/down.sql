DROP INDEX epcis_event_enterprise;
ALTER TABLE scan DROP COLUMN device;
