DROP TRIGGER nfc_tag_public_copied ON nfc_tag;
ALTER TABLE nfc_tag DROP COLUMN copied_taps;
ALTER TABLE nfc_tag DROP COLUMN last_tap_device;
ALTER TABLE nfc_tag DROP COLUMN last_tap_origin;
