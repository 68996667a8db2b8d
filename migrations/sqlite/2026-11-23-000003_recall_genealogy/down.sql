DROP INDEX inspection_follow_up;
ALTER TABLE batch DROP COLUMN recalled_because;
