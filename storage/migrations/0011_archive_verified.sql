-- How far the archive has been verified: the last batch checked (so the next verification
-- reads only newer objects) and when the whole archive was last checked from the start.
CREATE TABLE archive_verified (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    batch_hash TEXT NOT NULL,
    last_entry_hash TEXT NOT NULL,
    verified_at TEXT NOT NULL,
    full_verified_at TEXT
);
