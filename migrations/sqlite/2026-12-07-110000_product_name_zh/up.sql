-- A product's Chinese name, printed on Chinese labels of export lots and
-- shown on the Chinese consumer page (issue 20).
ALTER TABLE product ADD COLUMN name_zh TEXT;
