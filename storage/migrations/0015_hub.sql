-- The practice hub's own tables (used only in a hub's database; empty on a workstation).
-- Workstations that joined, by their certificate's serial (hex); revoked ones are kept.
CREATE TABLE hub_workstations (
    workstation_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    cert_serial TEXT NOT NULL UNIQUE,
    joined_at TEXT NOT NULL,
    revoked_at TEXT,
    last_seen_at TEXT
);
-- One-time invitations: only the token's sha256 is kept.
CREATE TABLE hub_invites (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    workstation_id TEXT
);
-- Actor tokens handed out by an accepted TOTP step, by sha256; bound to the workstation.
CREATE TABLE hub_actor_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    workstation_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX hub_actor_tokens_user ON hub_actor_tokens(user_id);
-- Practice-wide settings handed to workstations, and their version.
CREATE TABLE hub_practice_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE hub_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- TOTP steps the hub has seen: accepted online, or used offline and reported later.
CREATE TABLE hub_step_uses (
    user_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    workstation_id TEXT NOT NULL,
    source TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (user_id, step, workstation_id)
);
