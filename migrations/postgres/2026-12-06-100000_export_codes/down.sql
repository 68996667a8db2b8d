DROP TABLE export_code_alert;
DROP TABLE batch_export_code;
DROP TABLE export_code_user;
DROP TABLE export_code_market;
DROP TABLE export_code;
ALTER TABLE batch DROP COLUMN market;
