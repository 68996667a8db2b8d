DROP TABLE stamp_claim;
