-- Failed sign-ins under names that are no account, kept like an account's own counters so
-- that such a name is throttled and locked exactly like a real one, across restarts (the
-- lock-out must not tell which names exist). The name is never stored: only an HMAC of it
-- under a key derived from the database key (storage.accounts_repo.UNKNOWN_LOGIN_INFO).
CREATE TABLE IF NOT EXISTS unknown_login_failures (
    name_hash TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at TEXT,
    locked_until TEXT
);
