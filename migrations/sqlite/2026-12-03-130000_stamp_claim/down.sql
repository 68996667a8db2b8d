DROP TRIGGER stamp_claim_public_delete;
DROP TRIGGER stamp_claim_public_update;
DROP TRIGGER stamp_claim_public_insert;
DROP TABLE stamp_claim;
