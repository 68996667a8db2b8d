-- The checker's device: a salted hash of the token in the resolver's
-- first-party cookie, so that one person moving between networks counts as
-- one checker of a stamp (README, "Clone detection"). NULL: no cookie.
ALTER TABLE scan ADD COLUMN device TEXT;
