"""Sign-in and sessions: passwords, TOTP, recovery codes, throttling, idle lock, break-glass."""
