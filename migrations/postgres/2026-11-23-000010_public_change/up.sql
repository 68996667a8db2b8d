-- A counter bumped by every write to a table the public resolver shows, in the
-- writer's own transaction: each node polls it to drop its cached records, so
-- caches are invalidated through the database, whoever wrote (any node, a tool).
CREATE TABLE public_change (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL
);
INSERT INTO public_change (id, seq) VALUES (1, 0);

CREATE FUNCTION public_change_bump() RETURNS trigger AS $$
BEGIN
    UPDATE public_change SET seq = seq + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER enterprise_public_change AFTER INSERT OR UPDATE OR DELETE ON enterprise
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER facility_public_change AFTER INSERT OR UPDATE OR DELETE ON facility
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER certification_public_change AFTER INSERT OR UPDATE OR DELETE ON certification
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER product_public_change AFTER INSERT OR UPDATE OR DELETE ON product
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER batch_public_change AFTER INSERT OR UPDATE OR DELETE ON batch
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER event_public_change AFTER INSERT OR UPDATE OR DELETE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER inspection_public_change AFTER INSERT OR UPDATE OR DELETE ON inspection
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER stamp_roll_public_change AFTER INSERT OR UPDATE OR DELETE ON stamp_roll
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
CREATE TRIGGER stamp_override_public_change AFTER INSERT OR UPDATE OR DELETE ON stamp_override
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
