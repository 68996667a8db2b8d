-- The whole domain of DESIGN.md in one first migration. Ids are UUID text,
-- JSON is text, times are UTC timestamps: the same columns on both backends.

CREATE TABLE enterprise (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    tax_code TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    province TEXT NOT NULL,
    gs1_prefix TEXT,
    phone TEXT,
    email TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX enterprise_province ON enterprise (province, name);

CREATE TABLE facility (
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    district TEXT NOT NULL,
    province TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    area_code TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX facility_enterprise ON facility (enterprise_id);
CREATE INDEX facility_province ON facility (province, status);

CREATE TABLE certification (
    id TEXT PRIMARY KEY NOT NULL,
    facility_id TEXT NOT NULL REFERENCES facility (id),
    scheme TEXT NOT NULL,
    number TEXT NOT NULL,
    issuer TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX certification_facility ON certification (facility_id, valid_to);

CREATE TABLE product (
    id TEXT PRIMARY KEY NOT NULL,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    category TEXT NOT NULL,
    variety TEXT,
    gtin TEXT UNIQUE,
    unit TEXT NOT NULL,
    image_url TEXT,
    shelf_life_days INTEGER,
    standards TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX product_enterprise ON product (enterprise_id);

CREATE TABLE batch (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES product (id),
    facility_id TEXT NOT NULL REFERENCES facility (id),
    lot_code TEXT NOT NULL,
    produced_on DATE NOT NULL,
    quantity DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    expires_on DATE,
    status TEXT NOT NULL DEFAULT 'active',
    recall_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, lot_code)
);
CREATE INDEX batch_facility ON batch (facility_id, produced_on);

CREATE TABLE event (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batch (id),
    kind TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    facility_id TEXT NOT NULL REFERENCES facility (id),
    details TEXT NOT NULL,
    recorded_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX event_batch ON event (batch_id, occurred_at);
CREATE INDEX event_facility ON event (facility_id);

-- Inputs of a transformation event: the edges of lot genealogy.
CREATE TABLE event_input (
    event_id TEXT NOT NULL REFERENCES event (id),
    batch_id TEXT NOT NULL REFERENCES batch (id),
    quantity DOUBLE PRECISION,
    unit TEXT,
    PRIMARY KEY (event_id, batch_id)
);
CREATE INDEX event_input_batch ON event_input (batch_id);

-- One row per roll, however many stamps: a stamp's serial encodes the roll
-- number and its index in the roll.
CREATE TABLE stamp_roll (
    id TEXT PRIMARY KEY NOT NULL,
    number BIGINT NOT NULL UNIQUE,
    batch_id TEXT NOT NULL REFERENCES batch (id),
    count BIGINT NOT NULL,
    key_id INTEGER NOT NULL,
    voided_at TIMESTAMP,
    void_reason TEXT,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX stamp_roll_batch ON stamp_roll (batch_id);

-- The few stamps whose state differs from their roll's: voided or activated.
CREATE TABLE stamp_override (
    roll_id TEXT NOT NULL REFERENCES stamp_roll (id),
    stamp_index BIGINT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (roll_id, stamp_index)
);

CREATE TABLE scan (
    id BIGSERIAL PRIMARY KEY,
    roll_id TEXT,
    stamp_index BIGINT,
    serial TEXT NOT NULL,
    scanned_at TIMESTAMP NOT NULL,
    origin_hash TEXT,
    origin_region TEXT,
    client_class TEXT NOT NULL,
    verdict TEXT NOT NULL
);
CREATE INDEX scan_stamp ON scan (roll_id, stamp_index, scanned_at);
CREATE INDEX scan_time ON scan (scanned_at);

CREATE TABLE account (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    enterprise_id TEXT REFERENCES enterprise (id),
    province TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_enterprise ON account (enterprise_id);

CREATE TABLE inspection (
    id TEXT PRIMARY KEY NOT NULL,
    facility_id TEXT NOT NULL REFERENCES facility (id),
    inspector_id TEXT REFERENCES account (id),
    inspected_on DATE NOT NULL,
    result TEXT NOT NULL,
    findings TEXT NOT NULL,
    follow_up_due DATE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inspection_facility ON inspection (facility_id, inspected_on);

-- API tokens and login sessions alike; only a SHA-256 of the secret is kept.
CREATE TABLE api_token (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP
);
CREATE INDEX api_token_account ON api_token (account_id);

-- Append-only; each entry carries the hash of the one before it.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- The chain's head: one row, updated first in every audited transaction so
-- that writers take turns and each sees the hash of the entry before its own.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
