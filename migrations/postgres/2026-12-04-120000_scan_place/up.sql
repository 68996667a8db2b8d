-- The province a scan came from, looked up from the client's address in
-- DB-IP's table (data/places/networks.csv) and stored as its name; NULL
-- outside Vietnam or when unknown. Coarse by design: it is what a consumer
-- is told ("first checked in Vĩnh Long") and what tells checks in far-apart
-- provinces apart (README, "Clone detection").
ALTER TABLE scan ADD COLUMN place TEXT;
