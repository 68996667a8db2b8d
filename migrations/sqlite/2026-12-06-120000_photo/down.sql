DROP TABLE finding_answer;
DROP TRIGGER photo_public_delete;
DROP TRIGGER photo_public_insert;
DROP TABLE photo;
