-- A counter bumped by every write to a table the public resolver shows, in the
-- writer's own transaction: each node polls it to drop its cached records, so
-- caches are invalidated through the database, whoever wrote (any node, a tool).
CREATE TABLE public_change (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL
);
INSERT INTO public_change (id, seq) VALUES (1, 0);
CREATE TRIGGER enterprise_public_insert AFTER INSERT ON enterprise
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER enterprise_public_update AFTER UPDATE ON enterprise
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER enterprise_public_delete AFTER DELETE ON enterprise
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER facility_public_insert AFTER INSERT ON facility
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER facility_public_update AFTER UPDATE ON facility
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER facility_public_delete AFTER DELETE ON facility
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER certification_public_insert AFTER INSERT ON certification
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER certification_public_update AFTER UPDATE ON certification
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER certification_public_delete AFTER DELETE ON certification
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER product_public_insert AFTER INSERT ON product
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER product_public_update AFTER UPDATE ON product
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER product_public_delete AFTER DELETE ON product
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER batch_public_insert AFTER INSERT ON batch
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER batch_public_update AFTER UPDATE ON batch
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER batch_public_delete AFTER DELETE ON batch
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER event_public_insert AFTER INSERT ON event
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER event_public_update AFTER UPDATE ON event
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER event_public_delete AFTER DELETE ON event
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER inspection_public_insert AFTER INSERT ON inspection
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER inspection_public_update AFTER UPDATE ON inspection
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER inspection_public_delete AFTER DELETE ON inspection
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_roll_public_insert AFTER INSERT ON stamp_roll
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_roll_public_update AFTER UPDATE ON stamp_roll
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_roll_public_delete AFTER DELETE ON stamp_roll
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_override_public_insert AFTER INSERT ON stamp_override
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_override_public_update AFTER UPDATE ON stamp_override
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_override_public_delete AFTER DELETE ON stamp_override
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
