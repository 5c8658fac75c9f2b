"""A joined PC's archive credentials are deleted, and the deletion is an entry in its trail."""

from __future__ import annotations

import logging

from services.access import Actor
from services.archive.settings import S3_ACCESS_KEY, S3_SECRET_KEY
from services.audit import AuditEvent, AuditTrail
from services.installation import Installation

log = logging.getLogger("services.hub.archive_credentials")

CREDENTIALS_ACTOR = Actor.system("hub_membership")
DELETED = "archive_credentials_deleted"
AT_JOIN = "at_join"  # the PC archived nothing on its own
AFTER_HAND_OVER = "after_hand_over"  # the hub took a batch of its chain


def forget_archive_credentials(installation: Installation, trail: AuditTrail, why: str) -> bool:
    """Delete the S3 access keys and record which were removed (their names, never a value).

    The hub archives for the practice, so a joined PC holds none. The entry says which secrets
    went and why (`AT_JOIN` or `AFTER_HAND_OVER`): an auditor sees when this PC stopped holding
    archive credentials. True if any were deleted.
    """
    removed = [name for name in (S3_ACCESS_KEY, S3_SECRET_KEY) if installation.secrets.delete(name)]
    if not removed:
        return False
    trail.append(
        AuditEvent(
            action=DELETED,
            actor=CREDENTIALS_ACTOR,
            resource_type="secret",
            resource_id=",".join(removed),
            flags=("archive_credentials", why),
        )
    )
    log.info("hub.archive_credentials_released", extra={"outcome": why})
    return True
