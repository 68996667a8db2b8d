-- An identifier row carries its event's enterprise, so that a MATCH_ query
-- looks identifiers up within the caller's enterprises (index
-- epcis_event_epc_enterprise) and never walks another enterprise's: a
-- pattern is a range of that index, which costs what the caller's own
-- matches cost however many identifiers others hold (issue 16).
-- SQLite cannot add a NOT NULL column without a default: the table is rebuilt.
CREATE TABLE epcis_event_epc_scoped (
    event_id TEXT NOT NULL REFERENCES epcis_event (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    value TEXT NOT NULL,
    -- Always the enterprise of the event (written with it at capture).
    enterprise_id TEXT NOT NULL,
    PRIMARY KEY (event_id, role, value)
);
INSERT INTO epcis_event_epc_scoped (event_id, role, value, enterprise_id)
SELECT x.event_id, x.role, x.value, e.enterprise_id
FROM epcis_event_epc x JOIN epcis_event e ON e.id = x.event_id;
DROP TABLE epcis_event_epc;
ALTER TABLE epcis_event_epc_scoped RENAME TO epcis_event_epc;
CREATE INDEX epcis_event_epc_value ON epcis_event_epc (value, role);
CREATE INDEX epcis_event_epc_enterprise ON epcis_event_epc (enterprise_id, value, role);
-- A page of a producer's events walks its own events in id order (the
-- paging order), not every enterprise's: the enterprise index gains the id.
DROP INDEX epcis_event_enterprise;
CREATE INDEX epcis_event_enterprise ON epcis_event (enterprise_id, id);
