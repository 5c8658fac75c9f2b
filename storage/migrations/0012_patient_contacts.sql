-- The patient directory: the contact fields the desk's purposes need (name, birth date,
-- phone, email; no address, no SSN), one row per patient, copied from the PMS once and
-- kept current with its DateTStamp increments. Inside the encrypted database only; every
-- read of it still goes through the PHI gateway with its purpose.
CREATE TABLE patient_contacts (
    pat_num INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    birthdate TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL DEFAULT ''
);

-- Where each incremental feed from the PMS stands: `since` is the serverDateTime of the
-- last complete pull (the next one asks for DateTStamp >= since), `synced_at` our clock.
CREATE TABLE pms_sync (
    feed TEXT PRIMARY KEY,
    since TEXT NOT NULL,
    synced_at TEXT NOT NULL
);
