DROP TABLE finding_answer;
DROP TRIGGER photo_public_change ON photo;
DROP TABLE photo;
