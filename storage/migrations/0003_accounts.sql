-- Practice-wide accounts behind one repository (AccountDirectory), throttling, break-glass.
CREATE TABLE accounts (
    user_id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_nonce BLOB,
    totp_secret BLOB,
    totp_enrolled INTEGER NOT NULL DEFAULT 0,
    last_totp_step INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT,
    locked_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    last_sign_in_at TEXT
);

CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES accounts(user_id),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- Failed sign-ins on this workstation, whatever the user name typed.
CREATE TABLE workstation_failures (
    at TEXT NOT NULL
);

-- Emergency access. The stated reason may name a patient: it stays here, encrypted with
-- the database, and never enters the audit trail.
CREATE TABLE break_glass (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    purposes TEXT NOT NULL,
    started_at TEXT NOT NULL,
    until TEXT NOT NULL,
    reviewed_at TEXT
);
