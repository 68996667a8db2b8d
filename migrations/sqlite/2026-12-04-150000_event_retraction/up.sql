-- An event recorded by mistake is retracted, not deleted: it stays stored
-- (and audited), marked with when, why and by whom, and no longer counts
-- in the consumer's timeline, the genealogy or the EPCIS mirror (which
-- becomes an errorDeclaration). `corrected_at` is the last correction
-- through PATCH, shown as "corrected on"; events changed before this
-- migration count as corrected when they were.
ALTER TABLE event ADD COLUMN retracted_at TIMESTAMP;
ALTER TABLE event ADD COLUMN retraction_reason TEXT;
ALTER TABLE event ADD COLUMN retracted_by TEXT;
ALTER TABLE event ADD COLUMN corrected_at TIMESTAMP;
UPDATE event SET corrected_at = updated_at WHERE updated_at > created_at;
