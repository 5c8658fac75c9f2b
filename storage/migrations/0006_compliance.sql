-- Compliance tools: breach-detection alerts, access-review sign-offs, backup records.

-- One row per alert. `subject` is an actor id or a workstation id (never PHI); `event_at`
-- is the time of the entry that raised it, so a live evaluation and a later scan of the
-- same entries find the same alert. The acknowledgement note may name a patient: it stays
-- here, inside the encrypted database, and never enters the audit trail.
CREATE TABLE compliance_alerts (
    alert_id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    subject TEXT NOT NULL,
    event_at TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    entry_count INTEGER NOT NULL DEFAULT 0,
    first_seq INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    ack_note TEXT
);
CREATE INDEX compliance_alerts_rule ON compliance_alerts(rule, subject, event_at);
CREATE INDEX compliance_alerts_open ON compliance_alerts(acknowledged_at);

-- Quarterly access reviews: who signed, when, what they saw (a digest of the rows).
CREATE TABLE access_reviews (
    review_id TEXT PRIMARY KEY,
    signed_at TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    note TEXT NOT NULL,
    user_count INTEGER NOT NULL,
    rows_digest TEXT NOT NULL
);

-- Backups made and verified (file names only; the files hold their own keys, wrapped).
CREATE TABLE backups (
    backup_id TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    verified_at TEXT,
    verified_ok INTEGER
);
