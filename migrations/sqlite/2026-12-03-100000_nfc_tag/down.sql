DROP TABLE nfc_tag;
