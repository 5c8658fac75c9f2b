"""Encrypted local storage: SQLCipher connections, keys, migrations and repositories."""
