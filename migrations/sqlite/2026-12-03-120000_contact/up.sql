-- What a consumer needs to act on a bad verdict: whom to call about the
-- product (the enterprise's public contact, given by choice — its `phone`
-- and `email` stay private to the registry), and who recalled a batch and
-- when (the recall's authority: a province's regulator, or `national` for
-- an administrator).
ALTER TABLE enterprise ADD COLUMN contact_phone TEXT;
ALTER TABLE enterprise ADD COLUMN zalo_url TEXT;
ALTER TABLE batch ADD COLUMN recalled_at TIMESTAMP;
ALTER TABLE batch ADD COLUMN recall_authority TEXT;
