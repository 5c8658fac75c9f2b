"""Who may read what: roles, purposes, minimum-necessary field sets and permissions."""

from services.access.actors import Actor, ActorType
from services.access.fields import FIELD_SETS, Field, fields_for
from services.access.policy import AccessDenied, may, may_read, require, require_read
from services.access.roles import Permission, Purpose, Role

__all__ = [
    "FIELD_SETS",
    "AccessDenied",
    "Actor",
    "ActorType",
    "Field",
    "Permission",
    "Purpose",
    "Role",
    "fields_for",
    "may",
    "may_read",
    "require",
    "require_read",
]
