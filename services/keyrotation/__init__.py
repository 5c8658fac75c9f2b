"""Credential rotation: when each credential is due, the database key, the archive key."""
