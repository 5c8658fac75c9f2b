-- A joined workstation's cache for signing people in while the practice hub cannot be reached.
-- One row per person who signed in at THIS PC online: the account's fields as JSON (the
-- password hash included, as in `accounts`), the TOTP secret encrypted again under a key
-- derived from the database key (storage/keys.py HUB_CACHE_INFO), and the last TOTP step
-- used here, so a code is never accepted twice at this PC while the hub is away.
CREATE TABLE hub_offline_accounts (
    user_id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL,
    totp_nonce BLOB NOT NULL,
    totp_secret BLOB NOT NULL,
    last_totp_step INTEGER NOT NULL,
    signed_in_at TEXT NOT NULL
);
-- Each TOTP step accepted here offline, until the hub has been told (reconciliation).
CREATE TABLE hub_offline_uses (
    use_id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    step INTEGER NOT NULL,
    at TEXT NOT NULL,
    reported_at TEXT NOT NULL DEFAULT '',
    conflict INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hub_offline_uses_unreported ON hub_offline_uses(reported_at, use_id);
