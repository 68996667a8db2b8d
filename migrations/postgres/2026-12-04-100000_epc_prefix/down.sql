DROP INDEX epcis_event_enterprise;
CREATE INDEX epcis_event_enterprise ON epcis_event (enterprise_id);
DROP INDEX epcis_event_epc_enterprise;
ALTER TABLE epcis_event_epc DROP COLUMN enterprise_id;
ALTER TABLE epcis_event_epc ALTER COLUMN value TYPE TEXT COLLATE "default";
