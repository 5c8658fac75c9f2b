-- The audit trail: one hash chain per workstation, append-only.
-- `body` is the canonical JSON of the entry without its hash; the query columns are
-- generated from it, so they can never disagree with what the hash covers.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    hash TEXT NOT NULL,
    ts TEXT GENERATED ALWAYS AS (json_extract(body, '$.timestamp')) VIRTUAL,
    action TEXT GENERATED ALWAYS AS (json_extract(body, '$.action')) VIRTUAL,
    actor_id TEXT GENERATED ALWAYS AS (json_extract(body, '$.actor_id')) VIRTUAL,
    patient_id TEXT GENERATED ALWAYS AS (json_extract(body, '$.patient_id')) VIRTUAL,
    purpose TEXT GENERATED ALWAYS AS (json_extract(body, '$.purpose')) VIRTUAL,
    outcome TEXT GENERATED ALWAYS AS (json_extract(body, '$.outcome')) VIRTUAL
);
CREATE INDEX audit_log_ts ON audit_log(ts);
-- No index on patient or actor: each would halve the append rate, and the reports that
-- filter on them are rare and read by time range first.

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN (SELECT count(*) FROM audit_prune_permit WHERE last_seq >= OLD.seq) = 0
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Pruning (after the archive confirmed a batch) leaves an anchor: the last pruned
-- entry's seq and hash, where local verification starts again.
CREATE TABLE audit_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

-- A one-row permit that the pruning code writes and removes inside one transaction.
CREATE TABLE audit_prune_permit (
    last_seq INTEGER NOT NULL
);

-- Pseudonym -> PMS record number, for authorised look-up only.
CREATE TABLE pseudonym_map (
    ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    record_number TEXT NOT NULL
);
