DROP TABLE inspection_check;
