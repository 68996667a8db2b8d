-- Who made a tag's last verified tap (salted hashes of its network and
-- device, as scans store them), so that a replayed URL opened by someone
-- else — a copy — is told from the tapper reloading the page; copies are
-- counted in `copied_taps`, which weighs in the stamp's verdict (README,
-- "Clone detection") and so bumps the resolver's change counter.
ALTER TABLE nfc_tag ADD COLUMN last_tap_origin TEXT;
ALTER TABLE nfc_tag ADD COLUMN last_tap_device TEXT;
ALTER TABLE nfc_tag ADD COLUMN copied_taps BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER nfc_tag_public_copied AFTER UPDATE OF copied_taps ON nfc_tag
    FOR EACH STATEMENT EXECUTE FUNCTION public_change_bump();
