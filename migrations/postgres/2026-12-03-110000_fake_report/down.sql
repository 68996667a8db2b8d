DROP TABLE fake_report;
