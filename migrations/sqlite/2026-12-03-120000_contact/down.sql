ALTER TABLE batch DROP COLUMN recall_authority;
ALTER TABLE batch DROP COLUMN recalled_at;
ALTER TABLE enterprise DROP COLUMN zalo_url;
ALTER TABLE enterprise DROP COLUMN contact_phone;
