-- When an account was disabled, so the disabled-account rule flags only what came after.
ALTER TABLE accounts ADD COLUMN disabled_at TEXT;
