DROP TABLE epcis_event_epc;
DROP TABLE epcis_event;
DROP TABLE epcis_capture;
