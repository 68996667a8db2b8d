ALTER TABLE lab_result DROP COLUMN withdrawn_reason;
ALTER TABLE lab_result DROP COLUMN withdrawn_by;
ALTER TABLE lab_result DROP COLUMN withdrawn_at;
