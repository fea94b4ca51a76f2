-- driftrec schema, version 2: encryption at rest and retention.
--
-- With a sealer, an event's type, item, text, value and session are in
-- sealed (encrypted under the user's data key) and the plain columns hold
-- their defaults; sealed_text says whether the sealed record still has a
-- text, so that retention finds the events to rewrite without opening
-- every old one. profiles.data_key is the user's data key wrapped under
-- the master key: deleting the row destroys it.
ALTER TABLE events ADD COLUMN sealed bytea;
ALTER TABLE events ADD COLUMN sealed_text boolean NOT NULL DEFAULT false;
ALTER TABLE profiles ADD COLUMN data_key bytea;

-- Retention looks for old events that still have a text.
CREATE INDEX events_text_ts ON events (ts) WHERE text <> '' OR sealed_text;
