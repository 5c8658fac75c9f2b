-- The practice hub's forwarding of every stored chain to the write-once archive (hub only).
-- One row per chain (a workstation's, or the hub's own): how far it is archived (the last
-- batch the archive took, created or already there with the same bytes), when its signing
-- key was published, and a tamper alarm that holds the cursor where it is: a different
-- object in the archive under a name the hub writes (`exists_different`), or a stored copy
-- that no longer carries its workstation's signature or link (`hub_copy_altered`).
CREATE TABLE hub_archive_cursors (
    workstation_id TEXT PRIMARY KEY,
    key_published_at TEXT,
    archived_seq INTEGER NOT NULL DEFAULT 0,
    archived_name TEXT NOT NULL DEFAULT '',
    archived_batch_hash TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    alarm_name TEXT NOT NULL DEFAULT '',
    alarm_kind TEXT NOT NULL DEFAULT '',
    alarm_at TEXT
);
-- The forwarding job's last rounds: when, and the error's class name (never its message).
CREATE TABLE hub_archive_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_at TEXT,
    last_failure_at TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0
);
