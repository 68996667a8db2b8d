-- An identifier row carries its event's enterprise, so that a MATCH_ query
-- looks identifiers up within the caller's enterprises (index
-- epcis_event_epc_enterprise) and never walks another enterprise's: a
-- pattern is a range of that index, which costs what the caller's own
-- matches cost however many identifiers others hold (issue 16).
-- Always the enterprise of the event (written with it at capture).
ALTER TABLE epcis_event_epc ADD COLUMN enterprise_id TEXT;
UPDATE epcis_event_epc x SET enterprise_id = e.enterprise_id
FROM epcis_event e WHERE e.id = x.event_id;
ALTER TABLE epcis_event_epc ALTER COLUMN enterprise_id SET NOT NULL;
CREATE INDEX epcis_event_epc_enterprise ON epcis_event_epc (enterprise_id, value, role);
-- A pattern is the range [prefix, prefix with its last character's
-- successor): identifiers compare byte by byte, as on SQLite, whatever the
-- database's collation. Under a locale's the range would miss identifiers:
-- in vi-VN-x-icu ';' sorts before ':', so 'urn:epc:id:sgtin:…' lies above
-- 'urn:epc:id:sgtin;'. Rebuilds the column's indexes.
ALTER TABLE epcis_event_epc ALTER COLUMN value TYPE TEXT COLLATE "C";
-- A page of a producer's events walks its own events in id order (the
-- paging order), not every enterprise's: the enterprise index gains the id.
DROP INDEX epcis_event_enterprise;
CREATE INDEX epcis_event_enterprise ON epcis_event (enterprise_id, id);
