-- 21 CFR 1.1320: the traceability lot code is assigned at initial packing,
-- first land-based receiving or transformation, and the place that assigns
-- it is its source. Each such event records the code it assigned (the
-- batch's lot code at the time); its facility is the lot-code source.
-- Events recorded before this rule assigned none.
ALTER TABLE event ADD COLUMN assigned_lot_code TEXT;
