-- Trading parties: an enterprise of the service (its name, address and
-- phone follow the enterprise) or an outside party recorded by one
-- enterprise (visible only to it and to regulators).
CREATE TABLE party (
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT REFERENCES enterprise (id),
    recorded_by_enterprise TEXT REFERENCES enterprise (id),
    business_name TEXT NOT NULL,
    street TEXT NOT NULL,
    province TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT 'VN',
    phone TEXT,
    gln TEXT,
    fda_registration TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((enterprise_id IS NULL) <> (recorded_by_enterprise IS NULL))
);
CREATE UNIQUE INDEX party_enterprise ON party (enterprise_id);
CREATE INDEX party_recorded_by ON party (recorded_by_enterprise);

-- A lot handed from one party to another: a shipment to an enterprise of
-- the service waits (pending) for the receiver to accept or refuse it; a
-- receipt from an outside party is recorded accepted, on the external lot
-- the receiver registered for it.
CREATE TABLE handover (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batch (id),
    shipping_event_id TEXT REFERENCES event (id),
    from_enterprise_id TEXT REFERENCES enterprise (id),
    from_facility_id TEXT REFERENCES facility (id),
    from_party_id TEXT REFERENCES party (id),
    to_enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    to_party_id TEXT NOT NULL REFERENCES party (id),
    quantity_shipped DOUBLE NOT NULL,
    unit TEXT NOT NULL,
    status TEXT NOT NULL,
    quantity_received DOUBLE,
    reference_type TEXT,
    reference_number TEXT,
    received_facility_id TEXT REFERENCES facility (id),
    accepted_at TIMESTAMP,
    accepted_by TEXT,
    receiving_event_id TEXT REFERENCES event (id),
    refusal_reason TEXT,
    supplier_lot_code TEXT,
    product_description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX handover_to ON handover (to_enterprise_id, status);
CREATE INDEX handover_from ON handover (from_enterprise_id, status);
CREATE INDEX handover_batch ON handover (batch_id);
