DROP TABLE product_link;
DROP TABLE serial_key;
