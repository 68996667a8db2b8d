DROP INDEX enterprise_province_code;
DROP INDEX facility_province_code;
ALTER TABLE enterprise DROP COLUMN former_address;
ALTER TABLE enterprise DROP COLUMN province_code;
ALTER TABLE enterprise DROP COLUMN commune_code;
ALTER TABLE facility DROP COLUMN former_address;
ALTER TABLE facility DROP COLUMN province_code;
ALTER TABLE facility DROP COLUMN commune_code;
