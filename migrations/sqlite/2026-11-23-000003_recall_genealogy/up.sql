-- A batch recalled because it was made from a recalled batch names that
-- batch here, so lifting the first recall lifts the ones it caused.
ALTER TABLE batch ADD COLUMN recalled_because TEXT REFERENCES batch (id);
CREATE INDEX inspection_follow_up ON inspection (follow_up_due);
