-- How many scans a row stands for: 1, except for a flood of codes that name
-- no stamp from one origin, whose codes past the first few of each flush are
-- counted on the last one kept instead of written one by one.
ALTER TABLE scan ADD COLUMN tally INTEGER NOT NULL DEFAULT 1;
