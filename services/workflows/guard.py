"""Refusing a workflow write the actor's role does not allow, with the refusal in the trail."""

from __future__ import annotations

from services.access import Actor, Permission, Purpose, may, may_read, require, require_read
from services.audit import Outcome
from services.workflows.context import DeskContext


def require_write(
    ctx: DeskContext,
    actor: Actor,
    purpose: Purpose,
    action: str,
    *,
    resource_type: str,
    permission: Permission | None = None,
) -> None:
    """Raise AccessDenied unless `actor` may do `action` for `purpose`; record a refusal first.

    The refusal's message tells the person the attempt was recorded, so it must be: the
    entry has outcome failure and the flag `denied`, and names no patient (as a denied
    read does).
    """
    now = ctx.clock.now()
    allowed = may_read(actor, purpose, now) and (permission is None or may(actor, permission))
    if allowed:
        return
    ctx.gateway.record(
        actor,
        action,
        purpose=purpose,
        outcome=Outcome.FAILURE,
        resource_type=resource_type,
        flags=("denied",),
    )
    if permission is not None:
        require(actor, permission)
    require_read(actor, purpose, now)
