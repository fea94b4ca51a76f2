-- driftrec schema, version 1. Identifiers compare in byte order (COLLATE
-- "C"), which is the order ScanItems and ScanUsers promise and the order
-- in which IngestEvents locks users.

CREATE TABLE items (
    id         text COLLATE "C" PRIMARY KEY,
    text       text        NOT NULL,
    categories text[],                -- NULL: none
    attributes jsonb,                 -- NULL: none
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    encoder    text        NOT NULL,
    -- The vector as little-endian float32 bits: exact (NaN payloads and
    -- negative zeros included), 4 bytes a dimension, one copy to decode.
    vector     bytea       NOT NULL
);

CREATE TABLE events (
    seq     bigserial PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    type    text NOT NULL,
    item    text NOT NULL DEFAULT '',
    text    text NOT NULL DEFAULT '',
    value   double precision,
    session text NOT NULL DEFAULT '',
    ts      timestamptz NOT NULL
);
CREATE INDEX events_user_seq ON events (user_id, seq);

-- One row per user with events or a profile. The row is also the user's
-- lock: IngestEvents inserts it if missing and locks it FOR UPDATE before
-- reading the profile.
CREATE TABLE profiles (
    user_id text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL DEFAULT 0,
    data    bytea                     -- Profile.MarshalBinary; NULL: no profile yet
);

CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

-- Vectors and profiles are float bits that do not compress: store them
-- without trying (pglz would spend CPU on every write for nothing). Item
-- rows stay in the heap up to 8 KB, so vectors up to some 2000 dimensions
-- are read without a TOAST lookup; profiles are larger and live in TOAST.
ALTER TABLE items ALTER COLUMN vector SET STORAGE EXTERNAL;
ALTER TABLE items SET (toast_tuple_target = 8160);
ALTER TABLE profiles ALTER COLUMN data SET STORAGE EXTERNAL;
