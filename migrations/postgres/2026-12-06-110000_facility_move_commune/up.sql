-- A facility moves to a commune (Decision 19/2025/QĐ-TTg), not a district.
ALTER TABLE facility_move ADD COLUMN from_commune_code TEXT;
ALTER TABLE facility_move ADD COLUMN to_commune_code TEXT;
