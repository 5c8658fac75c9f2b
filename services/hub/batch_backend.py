"""A joined workstation's archive backend: its sealed batches go to the practice hub.

`ArchiveSync` runs unchanged over it (same sealing, same cursor in `archive_batches`, same
adoption of a batch that landed unconfirmed), so the hub receives exactly the archive's
objects. It is also an `ArchiveSource` for `take_back` (`versions` and `get` read back this
workstation's own chain). The signing key's public half, which `ArchiveSync` publishes
once as `signing-key.pub`, travels with every batch; the hub pins it with the first one.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from services.archive.backends import ArchiveBackend, ArchiveUnavailable, ObjectVersion, PutResult
from services.hub.client import HubClient, HubRefused, HubUnreachable
from services.hub.handover import ConfirmedBatch, hand_over
from services.hub.resend import SentBefore, resend


def public_half(signing_key: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.from_private_bytes(signing_key)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


# What a PC archived on its own before it joined: its archive and the batches it confirmed.
Earlier = Callable[[], tuple[ArchiveBackend, list[ConfirmedBatch], list[bytes]]]

log = logging.getLogger("services.hub.batch_backend")

HUB_BATCH_SIZE = 1000  # entries per batch: a batch stays well inside the hub's 1 MiB body


class HubRefusedBatch(ArchiveUnavailable):
    """The hub answered and refused a batch (409 with its reason): the chain stays here."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class HubBatchBackend:
    def __init__(
        self,
        client: HubClient,
        practice: str,
        workstation: str,
        earlier: Earlier | None = None,
        sent: SentBefore | None = None,
        *,
        release: Callable[[], object] | None = None,
    ) -> None:
        self._client = client
        self._practice = practice
        self._own = f"{practice}/{workstation}/"
        self._workstation = workstation
        self._earlier = earlier
        self._sent = sent  # to send again what a hub restored from an older backup lost
        self._resending = False
        self._public_key: bytes | None = None
        # Called once the hub took a batch: its chain reaches this one from seq 1, so what this
        # PC archived on its own is at the hub and its archive credentials can go.
        self._release = release

    def describe(self) -> str:
        return f"the practice hub at {self._client.url}"

    def _call(
        self, method: str, path: str, body: dict[str, object] | None = None
    ) -> dict[str, object]:
        try:
            return self._client.call(method, path, body)
        except HubUnreachable as exc:
            raise ArchiveUnavailable(exc.message) from None

    def check(self) -> str:
        self._call("GET", "/v1/health")
        return self.describe()

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        if name == f"{self._own}signing-key.pub":
            self._public_key = data  # pinned by the hub with the first batch it carries
            return PutResult.CREATED
        if self._public_key is None:
            raise ValueError("the signing key is published before the first batch")
        body: dict[str, object] = {
            "name": name,
            "batch": base64.b64encode(data).decode(),
            "signing_key": base64.b64encode(self._public_key).decode(),
        }
        try:
            answer = self._call("POST", "/v1/batches", body)
        except HubRefused as exc:
            if exc.code == "exists_different":
                return PutResult.EXISTS_DIFFERENT
            if exc.code == "not_from_start" and self._earlier is not None:
                try:
                    self._hand_over(now)  # the batches archived before joining go first
                except ArchiveUnavailable:
                    if not self._resend(now):  # or they went to this hub, which lost them
                        raise
                return self.put_new(name, data, now)
            if exc.code in ("gap", "not_from_start") and self._resend(now):
                return self.put_new(name, data, now)  # the hub's chain reaches this one now
            raise HubRefusedBatch(exc.message, exc.code) from None
        if self._release is not None:
            release, self._release = self._release, None
            release()
        return PutResult.EXISTS_SAME if answer.get("result") == "exists" else PutResult.CREATED

    def _hand_over(self, now: datetime) -> None:
        assert self._earlier is not None and self._public_key is not None
        earlier, confirmed, keys = self._earlier()
        self._earlier = None  # once: a second refusal is the hub's answer
        hand_over(
            self,
            earlier,
            confirmed,
            keys,
            practice=self._practice,
            workstation=self._workstation,
            public_key=self._public_key,
            now=now,
        )

    def _resend(self, now: datetime) -> int:
        """The hub is behind this PC's cursor: send it what it lost (0: nothing to send)."""
        if self._sent is None or self._resending:
            return 0
        if self._public_key is None:  # a round that sealed nothing published no key this time
            self._public_key = public_half(self._sent.signing_key)
        self._resending = True
        try:
            return resend(
                self,
                self._sent,
                practice=self._practice,
                workstation=self._workstation,
                public_key=self._public_key,
                now=now,
            )
        finally:
            self._resending = False

    def put_keys(self, keys: list[bytes]) -> None:
        """This PC's archive keys (current and retired): the hub opens its earlier batches."""
        body: dict[str, object] = {"keys": [base64.b64encode(k).decode() for k in keys]}
        try:
            self._call("POST", "/v1/batches/keys", body)
        except HubRefused as exc:
            raise HubRefusedBatch(exc.message, exc.code) from None

    def report_head(
        self, head_seq: int, confirmed_seq: int = 0, now: datetime | None = None
    ) -> int:
        """Tell the hub how far this workstation's trail goes (its backlog at the hub).

        The hub answers where this PC's chain ends there. Behind `confirmed_seq` (what this PC
        saw the hub take: a hub restored from an older backup), the batches it lost are sent
        again now, without waiting for a new batch to be refused. Returns how many were sent.
        """
        try:
            answer = self._call("POST", "/v1/batches/head", {"head_seq": head_seq})
        except HubRefused as exc:
            raise HubRefusedBatch(exc.message, exc.code) from None
        end = answer.get("last_seq")
        if now is None or not isinstance(end, int) or end >= confirmed_seq:
            return 0
        log.info("hub.behind", extra={"first_seq": end + 1, "last_seq": confirmed_seq})
        if self._public_key is None and self._sent is not None:
            self._public_key = public_half(self._sent.signing_key)
        if end == 0 and self._earlier is not None:
            try:  # as for a refused batch: what it archived on its own goes first
                self._hand_over(now)
                return 1
            except ArchiveUnavailable:
                pass
        return self._resend(now)

    def _relative(self, name: str) -> str | None:
        return name[len(self._own) :] if name.startswith(self._own) else None

    def get(self, name: str) -> bytes | None:
        rest = self._relative(name)
        if rest is None or not rest or "/" in rest:
            return None
        try:
            answer = self._call(
                "GET", f"/v1/batches/{quote(self._workstation, safe='')}/{quote(rest, safe='')}"
            )
        except HubRefused as exc:
            if exc.status == 404:
                return None
            raise HubRefusedBatch(exc.message, exc.code) from None
        try:
            return base64.b64decode(str(answer.get("data", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ArchiveUnavailable(
                "The practice hub sent an object that is not base64."
            ) from None

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        rest = self._relative(prefix)
        if rest is None:
            return []
        query = f"?prefix={quote(rest, safe='')}&after={quote(after, safe='')}"
        try:
            answer = self._call("GET", f"/v1/batches/{quote(self._workstation, safe='')}{query}")
        except HubRefused as exc:
            raise HubRefusedBatch(exc.message, exc.code) from None
        names = answer.get("names")
        if not isinstance(names, list):
            raise ArchiveUnavailable("The practice hub sent a list that is not its own.")
        return [ObjectVersion(str(n), "hub", False) for n in names]
