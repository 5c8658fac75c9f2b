"""Workstations of the practice: invitations, joining, the check of every request's certificate, revocation."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from services.access import Actor
from services.audit import AuditEvent, AuditTrail
from services.clock import Clock
from services.hub import joincode, keywrap, pki
from services.hub.errors import HubError, bad_request
from services.hub.state import HubConfig
from storage.hub_repo import HubRepository, WorkstationRow

INVITE_LIFETIME = timedelta(hours=1)
HUB_ACTOR = Actor.system("hub")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
_WORKSTATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def serial_hex(serial: int) -> str:
    return format(serial, "x")


@dataclass(frozen=True)
class Joined:
    workstation_id: str
    cert_pem: str
    wrapped_keys: dict[str, str]


class Registry:
    def __init__(
        self,
        repo: HubRepository,
        config: HubConfig,
        trail: AuditTrail,
        clock: Clock,
        practice_keys: tuple[bytes, bytes],
    ) -> None:
        self._repo = repo
        self._config = config
        self._trail = trail
        self._clock = clock
        self._keys = practice_keys  # (pseudonym, archive)

    def _audit(self, action: str, actor: Actor, workstation_id: str) -> None:
        self._trail.append(
            AuditEvent(
                action=action, actor=actor, resource_type="workstation", resource_id=workstation_id
            )
        )

    def invite(self, actor: Actor, name: str) -> str:
        """Store a one-time invitation for `name` and return its join code."""
        if not _NAME.match(name):
            raise bad_request(
                "A workstation name is 1 to 40 letters, digits, spaces, dots, hyphens or "
                "underscores (for example PC-FRONT-1)."
            )
        token = joincode.new_token()
        now = self._clock.now()
        self._repo.add_invite(token_hash(token), name, now, now + INVITE_LIFETIME)
        self._audit("workstation_invited", actor, name)
        return joincode.encode(
            joincode.JoinCode(self._config.url(), self._config.ca_fingerprint, token)
        )

    def join(
        self, token: str, name: str, workstation_id: str, csr_pem: str, wrap_public: str
    ) -> Joined:
        if not _WORKSTATION_ID.match(workstation_id):
            raise bad_request("The workstation id is not valid.")
        now = self._clock.now()
        invite = self._repo.invite(token_hash(token))
        if invite is None or invite.used_at is not None or invite.expires_at <= now:
            raise HubError(401, "invalid_code", "This join code is unknown, used or expired. "
                           "Ask for a new one ('enamel-admin hub invite').")  # fmt: skip
        serial = pki.new_serial()
        try:
            cert = pki.issue_workstation_cert(self._config.ca, csr_pem, workstation_id, now, serial)
        except pki.PkiError as exc:
            raise bad_request(exc.message) from exc
        wrapped = keywrap.wrap_keys(self._keys[0], self._keys[1], wrap_public, workstation_id)
        # The hub lists the name IT gave the invitation, not the one the PC sends.
        row = WorkstationRow(workstation_id, invite.name, serial_hex(serial), now, None, now)
        # A known id joining again (a restored PC, a hub that moved) keeps its chain here; the
        # invite must be made under the name the hub lists it by.
        known = self._repo.workstation(workstation_id)
        if self._repo.spend_invite(token_hash(token), now, row, rejoin=True) is None:
            raise HubError(401, "invalid_code", "This join code is unknown, used or expired, "
                           "or this workstation has joined already (to enrol it again, make "
                           "the invite under the name 'hub workstations' lists it by).")  # fmt: skip
        self._audit(
            "workstation_joined" if known is None else "workstation_rejoined",
            HUB_ACTOR,
            workstation_id,
        )
        return Joined(workstation_id, cert, wrapped)

    def check(self, peer_der: bytes | None) -> WorkstationRow:
        """The workstation presenting this certificate, or 401/403."""
        if not peer_der:
            raise HubError(401, "certificate_required", "This workstation has no certificate "
                           "of this practice. Join it first ('enamel-admin join').")  # fmt: skip
        try:
            from cryptography import x509

            serial = x509.load_der_x509_certificate(peer_der).serial_number
        except ValueError as exc:
            raise HubError(
                401, "certificate_required", "The certificate could not be read."
            ) from exc
        row = self._repo.workstation_by_serial(serial_hex(serial))
        if row is None:
            raise HubError(
                401, "certificate_required", "This certificate is not one the hub issued."
            )
        if row.revoked_at is not None:
            raise HubError(403, "revoked", "This workstation was removed from the practice.")
        last = row.last_seen_at
        now = self._clock.now()
        if last is None or now - last >= timedelta(seconds=30):  # not a write per request
            self._repo.seen(row.workstation_id, now)
        return row

    def revoke(self, actor: Actor, workstation_id: str) -> bool:
        changed = self._repo.revoke(workstation_id, self._clock.now())
        if changed:
            self._audit("workstation_revoked", actor, workstation_id)
        return changed

    def workstations(self) -> list[WorkstationRow]:
        return self._repo.workstations()
