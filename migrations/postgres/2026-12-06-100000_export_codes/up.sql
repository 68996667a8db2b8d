-- Export codes (README, "Export codes and lab results"): planting-area
-- codes (mã số vùng trồng) and packing-house codes (mã số cơ sở đóng gói).
-- A batch may state the market it is bound for (domain::market); the codes
-- it came through are linked to it. Each code's approval by a market has a
-- status a regulator sets (pending until then); enterprises other than the
-- owner use a code only when the owner authorises them. Attempts to use a
-- code one may not are kept for the regulators (export_code_alert).
ALTER TABLE batch ADD COLUMN market TEXT;

CREATE TABLE export_code (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    facility_id TEXT NOT NULL REFERENCES facility (id),
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    crop TEXT NOT NULL,
    area_ha DOUBLE PRECISION,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX export_code_enterprise ON export_code (enterprise_id);

CREATE TABLE export_code_market (
    export_code_id TEXT NOT NULL REFERENCES export_code (id) ON DELETE CASCADE,
    market TEXT NOT NULL,
    status TEXT NOT NULL,
    approved_on DATE,
    status_since DATE NOT NULL,
    reason TEXT,
    updated_by TEXT,
    PRIMARY KEY (export_code_id, market)
);

CREATE TABLE export_code_user (
    export_code_id TEXT NOT NULL REFERENCES export_code (id) ON DELETE CASCADE,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (export_code_id, enterprise_id)
);

CREATE TABLE batch_export_code (
    batch_id TEXT NOT NULL REFERENCES batch (id) ON DELETE CASCADE,
    export_code_id TEXT NOT NULL REFERENCES export_code (id),
    PRIMARY KEY (batch_id, export_code_id)
);
CREATE INDEX batch_export_code_code ON batch_export_code (export_code_id);

CREATE TABLE export_code_alert (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    export_code_id TEXT REFERENCES export_code (id) ON DELETE CASCADE,
    batch_id TEXT REFERENCES batch (id) ON DELETE CASCADE,
    enterprise_id TEXT NOT NULL REFERENCES enterprise (id),
    province_code TEXT NOT NULL,
    detail TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL
);
CREATE INDEX export_code_alert_province ON export_code_alert (province_code, raised_at);

-- The consumer page shows codes and their status: changes reach the resolver's cache.
CREATE TRIGGER export_code_public_insert AFTER INSERT ON export_code
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER export_code_public_update AFTER UPDATE ON export_code
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER export_code_public_delete AFTER DELETE ON export_code
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER export_code_market_public_insert AFTER INSERT ON export_code_market
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER export_code_market_public_update AFTER UPDATE ON export_code_market
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER export_code_market_public_delete AFTER DELETE ON export_code_market
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER batch_export_code_public_insert AFTER INSERT ON batch_export_code
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER batch_export_code_public_update AFTER UPDATE ON batch_export_code
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER batch_export_code_public_delete AFTER DELETE ON batch_export_code
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
