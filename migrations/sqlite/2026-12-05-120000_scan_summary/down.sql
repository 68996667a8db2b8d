DROP TABLE scan_day;
DROP TABLE scan_summary;
