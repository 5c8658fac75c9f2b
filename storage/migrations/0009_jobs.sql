-- The last known state of each background job (archive sync, backups, scans), no PHI.
CREATE TABLE job_state (
    name TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    state TEXT NOT NULL,
    last_success TEXT,
    failing_since TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    next_run TEXT,
    updated_at TEXT NOT NULL
);
