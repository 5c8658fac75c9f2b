-- The practice hub's index of every workstation's audit entries (used only in a hub's database),
-- filled from each stored batch on arrival (and at start-up for a batch not indexed yet), so the
-- practice-wide reports, the audit viewer and the breach rules query entries, not batches.
-- `body` is the entry's canonical JSON without its hash, as in audit_log; the query columns are
-- generated from it.
CREATE TABLE hub_entries (
    workstation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL,
    ts TEXT GENERATED ALWAYS AS (json_extract(body, '$.timestamp')) VIRTUAL,
    action TEXT GENERATED ALWAYS AS (json_extract(body, '$.action')) VIRTUAL,
    actor_id TEXT GENERATED ALWAYS AS (json_extract(body, '$.actor_id')) VIRTUAL,
    patient_id TEXT GENERATED ALWAYS AS (json_extract(body, '$.patient_id')) VIRTUAL,
    purpose TEXT GENERATED ALWAYS AS (json_extract(body, '$.purpose')) VIRTUAL,
    outcome TEXT GENERATED ALWAYS AS (json_extract(body, '$.outcome')) VIRTUAL,
    PRIMARY KEY (workstation_id, seq)
);
CREATE INDEX hub_entries_ts ON hub_entries(ts);
CREATE INDEX hub_entries_patient ON hub_entries(patient_id, ts);
CREATE INDEX hub_entries_actor ON hub_entries(actor_id, ts);
