ALTER TABLE product DROP COLUMN name_zh;
