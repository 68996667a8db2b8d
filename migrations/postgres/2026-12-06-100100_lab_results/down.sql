DROP TABLE lab_analyte;
DROP TABLE lab_result;
DROP TABLE laboratory;
