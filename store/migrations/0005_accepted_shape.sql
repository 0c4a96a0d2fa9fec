-- 0005: what a check needs to skip parsing a page whose markup changed
-- but whose shape (extract.Shape: the tokens a reader's text depends on)
-- is that of the capture last accepted: that shape, the readable-text
-- length of that capture, which such checks feed to the watch's typical
-- length, and when an accepted capture was last parsed (unix ns; a page
-- is parsed at least once a day whatever its shape).

ALTER TABLE watches ADD COLUMN accepted_shape     TEXT    NOT NULL DEFAULT '';
ALTER TABLE watches ADD COLUMN accepted_length    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE watches ADD COLUMN accepted_parsed_at INTEGER NOT NULL DEFAULT 0;
