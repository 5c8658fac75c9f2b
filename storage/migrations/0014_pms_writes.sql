-- Writes for the PMS that could not be sent (Open Dental unreachable), kept until they land.
-- `payload` is the write's own JSON (it may hold a note about a patient: it stays inside the
-- encrypted database); `state` is pending, done or refused. A done row is kept as a record
-- that it was applied, so a retry of the same write is never sent twice.
CREATE TABLE pms_writes (
    write_id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pms_writes_pending ON pms_writes(state, write_id);
