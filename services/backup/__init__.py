"""Encrypted backups: the file format, making one, verifying it, restoring it, the daily job."""
