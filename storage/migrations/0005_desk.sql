-- The desk: the last good PMS reads (for read-only display during an outage) and the
-- practice's own worklists that the PMS has no place for.

-- One cached answer per (purpose, key), e.g. ('schedule', '2026-11-23'). The payload is
-- the minimum-necessary records as JSON, inside the encrypted database only.
CREATE TABLE pms_cache (
    purpose TEXT NOT NULL,
    cache_key TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (purpose, cache_key)
);

-- Insurance verification worklist: status per appointment, with a note.
CREATE TABLE insurance_worklist (
    apt_num INTEGER PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('unverified', 'verified', 'problem')),
    note TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Recall calls: the outcome of each contact attempt.
CREATE TABLE recall_contacts (
    id INTEGER PRIMARY KEY,
    pat_num INTEGER NOT NULL,
    recall_num INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('contacted', 'left_message', 'scheduled', 'no_answer')),
    by_actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX recall_contacts_recall ON recall_contacts(recall_num, at);

-- No-show follow-up outcomes.
CREATE TABLE noshow_outcomes (
    id INTEGER PRIMARY KEY,
    apt_num INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    new_apt_time TEXT,
    by_actor TEXT NOT NULL,
    at TEXT NOT NULL
);

-- Enamel's own waitlist (besides the PMS's ASAP list).
CREATE TABLE waitlist (
    id INTEGER PRIMARY KEY,
    pat_num INTEGER NOT NULL,
    procedure_type TEXT NOT NULL,
    length_minutes INTEGER NOT NULL DEFAULT 30,
    preferred_days TEXT NOT NULL DEFAULT '',
    preferred_from TEXT NOT NULL DEFAULT '',
    preferred_to TEXT NOT NULL DEFAULT '',
    prov_num INTEGER,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    removed_at TEXT
);
