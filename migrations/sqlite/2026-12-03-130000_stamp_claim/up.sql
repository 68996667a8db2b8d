-- A stamp's scratch-off PIN claim and the wrong PINs entered for it: a row
-- only for stamps someone tried to claim (a roll stays one row). Wrong PINs
-- are counted here (per stamp, in a 24-hour window and over its life) so the
-- limit holds across nodes. A first claim or a later one changes what the
-- consumer page shows, so it bumps the resolver's change counter; a wrong
-- PIN does not.
CREATE TABLE stamp_claim (
    roll_number BIGINT NOT NULL,
    stamp_index BIGINT NOT NULL,
    claimed_at TIMESTAMP,
    -- The salted hash of the claimer's coarse region (as scans store it).
    origin TEXT,
    later_claims INTEGER NOT NULL DEFAULT 0,
    last_claimed_at TIMESTAMP,
    wrong_attempts INTEGER NOT NULL DEFAULT 0,
    window_wrong INTEGER NOT NULL DEFAULT 0,
    window_started_at TIMESTAMP,
    PRIMARY KEY (roll_number, stamp_index)
);
CREATE TRIGGER stamp_claim_public_insert AFTER INSERT ON stamp_claim
WHEN NEW.claimed_at IS NOT NULL
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_claim_public_update AFTER UPDATE OF claimed_at, later_claims ON stamp_claim
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER stamp_claim_public_delete AFTER DELETE ON stamp_claim
BEGIN UPDATE public_change SET seq = seq + 1 WHERE id = 1; END;
