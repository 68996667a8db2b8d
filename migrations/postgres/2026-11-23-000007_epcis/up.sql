-- EPCIS 2.0 capture and query. Every event, captured or mirrored from our own
-- batch events, is held once as its JSON-LD text plus the columns the
-- standard's query parameters filter on.

-- One capture request. Capture runs inside the request, so a job is written
-- finished; `errors` holds the problem body of the events refused under
-- GS1-Capture-Error-Behaviour: proceed.
CREATE TABLE epcis_capture (
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    account_id TEXT NOT NULL,
    error_behaviour TEXT NOT NULL,
    event_count BIGINT NOT NULL,
    stored_count BIGINT NOT NULL,
    success BOOLEAN NOT NULL,
    errors TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
CREATE INDEX epcis_capture_enterprise ON epcis_capture (enterprise_id);

CREATE TABLE epcis_event (
    -- UUID v7: the paging order (capture order).
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    -- The eventID, or the canonical hash of an event without one: what makes
    -- a re-capture idempotent.
    event_key TEXT NOT NULL,
    event_id TEXT,
    event_type TEXT NOT NULL,
    action TEXT,
    event_time TIMESTAMP NOT NULL,
    record_time TIMESTAMP NOT NULL,
    -- CBV values stored expanded to their full URIs.
    biz_step TEXT,
    disposition TEXT,
    read_point TEXT,
    biz_location TEXT,
    -- Set when the event mirrors one of our batch events.
    source_event_id TEXT UNIQUE REFERENCES event (id) ON DELETE CASCADE,
    capture_id TEXT REFERENCES epcis_capture (id),
    body TEXT NOT NULL,
    -- The capturing document's @context entries besides the EPCIS one.
    context TEXT,
    UNIQUE (enterprise_id, event_key)
);
CREATE INDEX epcis_event_id ON epcis_event (event_id);
CREATE INDEX epcis_event_time ON epcis_event (event_time);
CREATE INDEX epcis_event_record_time ON epcis_event (record_time);
CREATE INDEX epcis_event_type ON epcis_event (event_type);
CREATE INDEX epcis_event_biz_step ON epcis_event (biz_step);

-- The identifiers an event names, by role (epc, parent, child, input,
-- output, class, input_class, output_class, location) and the batches it is
-- attached to (role batch): what the MATCH_ parameters and the consumer
-- timeline look up.
CREATE TABLE epcis_event_epc (
    event_id TEXT NOT NULL REFERENCES epcis_event (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (event_id, role, value)
);
CREATE INDEX epcis_event_epc_value ON epcis_event_epc (value, role);
