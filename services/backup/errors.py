"""What can go wrong with a backup, in words IT can act on."""

from __future__ import annotations

from errors import EnamelError


class BackupError(EnamelError):
    exit_code = 1


class BackupDamaged(BackupError):
    pass


class BackupRefused(BackupError):
    pass


DAMAGED = (
    "{name} is damaged or is not an Enamel backup ({why}). It cannot be verified or "
    "restored; use another backup. Nothing was changed."
)
