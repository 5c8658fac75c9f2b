-- The compliance officer's own records: breach risk assessments and checklist evidence.
-- Both may name a patient or a person in their free text: they stay here, inside the
-- encrypted database, and the audit trail records only that they were saved, by whom.

-- The HIPAA four-factor risk assessment of one breach assessment (one window and scope).
-- `scope` is the window and filters it covers (times in UTC, actor and workstation ids);
-- saving again under the same scope updates the row (the trail keeps every save).
CREATE TABLE breach_risk_assessments (
    assessment_id TEXT PRIMARY KEY,
    scope TEXT NOT NULL UNIQUE,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    actor_id TEXT NOT NULL DEFAULT '',
    workstation_id TEXT NOT NULL DEFAULT '',
    discovered TEXT NOT NULL,
    affected INTEGER NOT NULL,
    nature TEXT NOT NULL DEFAULT '',
    recipient TEXT NOT NULL DEFAULT '',
    acquired TEXT NOT NULL DEFAULT '',
    mitigation TEXT NOT NULL DEFAULT '',
    conclusion TEXT NOT NULL DEFAULT '',
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL
);

-- Evidence that a manual checklist item was done: when, a note, where the proof is kept
-- (a file name, a binder, a vendor's portal: a reference, never the document itself).
-- The latest row of an item counts; earlier ones stay as its history.
CREATE TABLE checklist_evidence (
    evidence_id TEXT PRIMARY KEY,
    item_key TEXT NOT NULL,
    done_on TEXT NOT NULL,
    note TEXT NOT NULL,
    attachment TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX checklist_evidence_item ON checklist_evidence(item_key, recorded_at);
