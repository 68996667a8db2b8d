DROP TABLE handover;
DROP TABLE party;
