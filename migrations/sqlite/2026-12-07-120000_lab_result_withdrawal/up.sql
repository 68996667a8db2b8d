-- A lab result recorded by mistake is withdrawn, not deleted: stamps may
-- have been issued on it, and the record of what was claimed stays. A
-- withdrawn result no longer counts toward a market's test requirement and
-- is left out of the consumer page and the trace exports; the portal and
-- oversight pages show it marked withdrawn with its reason (issue 20).
ALTER TABLE lab_result ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE lab_result ADD COLUMN withdrawn_by TEXT;
ALTER TABLE lab_result ADD COLUMN withdrawn_reason TEXT;
