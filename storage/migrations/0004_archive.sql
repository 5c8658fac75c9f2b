-- Archive sync: the durable cursor and one row per batch written to the archive.
CREATE TABLE archive_batches (
    name TEXT PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    batch_hash TEXT NOT NULL,
    last_entry_hash TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);
CREATE INDEX archive_batches_last ON archive_batches(last_seq);

CREATE TABLE archive_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_at TEXT,
    last_failure_at TEXT,
    last_error TEXT
);
