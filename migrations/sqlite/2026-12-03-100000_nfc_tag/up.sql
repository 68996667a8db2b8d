-- NFC tags (NTAG 424 DNA) bound to stamps at packing. Each tap carries the
-- tag's read counter; a counter that does not rise above `last_counter` is a
-- copied URL replayed, counted in `replays` as clone evidence.
CREATE TABLE nfc_tag (
    -- The tag's 7-byte UID as 14 upper-case hex digits.
    uid TEXT PRIMARY KEY NOT NULL,
    roll_number BIGINT NOT NULL REFERENCES stamp_roll (number),
    stamp_index BIGINT NOT NULL,
    -- -1 until the first verified tap, so that counter 0 is accepted.
    last_counter BIGINT NOT NULL DEFAULT -1,
    replays BIGINT NOT NULL DEFAULT 0,
    bound_by TEXT,
    bound_at TIMESTAMP NOT NULL,
    last_tap_at TIMESTAMP,
    last_replay_at TIMESTAMP,
    UNIQUE (roll_number, stamp_index)
);
