-- The practice hub's copy of each workstation's audit chain (used only in a hub's database).
-- One row per sealed batch as the workstation sent it: the archive object's exact bytes
-- (services/archive/batch.py), checked on arrival (signature, chain continuity).
CREATE TABLE hub_batches (
    workstation_id TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    name TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL,
    batch_hash TEXT NOT NULL,
    prev_batch_hash TEXT NOT NULL,
    last_entry_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (workstation_id, first_seq)
);
-- Each workstation's chain at the hub: its signing key, pinned with its first batch, where its
-- chain starts at the hub (seq 1, or after batches it archived before it joined), the last
-- batch received (kept apart from hub_batches, so a withheld last batch shows), and the local
-- head it last reported (its backlog is head_seq - last_seq).
CREATE TABLE hub_chains (
    workstation_id TEXT PRIMARY KEY,
    public_key BLOB NOT NULL,
    pinned_at TEXT NOT NULL,
    start_seq INTEGER NOT NULL,
    start_batch_hash TEXT NOT NULL,
    start_entry_hash TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    last_batch_hash TEXT NOT NULL,
    last_received_at TEXT NOT NULL,
    head_seq INTEGER NOT NULL DEFAULT 0,
    head_reported_at TEXT
);
