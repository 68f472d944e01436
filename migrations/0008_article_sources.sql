-- Applying an article file through the API (issue #15): a file whose text is already stored as a source
-- is the same article applied again (or refused under another id), so the writer looks sources up by
-- their text. A digest keeps the index small whatever the articles' length.
CREATE INDEX sources_text_digest ON sources (md5(record ->> 'text'));
