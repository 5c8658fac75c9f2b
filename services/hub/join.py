"""Joining a practice hub with a one-time code: CA check, certificate, the practice keys unwrapped."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from errors import EnamelError
from services.archive.batch import key_id
from services.clock import Clock
from services.hub import joincode, pki
from services.hub.client import HubClient, HubNotProven
from services.hub.membership import TLS_KEY, HubMembership
from services.installation import ARCHIVE_KEY, PSEUDONYM_KEY, Installation

log = logging.getLogger("services.hub.join")

WRAP_INFO = b"enamel/hub-wrap/v1/"


class JoinFailed(EnamelError):
    exit_code = 1


@dataclass(frozen=True)
class HubIdentity:
    """What the CA certificate, checked against the join code, says about the practice."""

    code: joincode.JoinCode
    ca_pem: str
    practice_id: str


def pseudonym_key_id(key: bytes) -> str:
    return hashlib.sha256(b"enamel pseudonym key id" + key).hexdigest()[:16]


def fetch_ca(code_text: str) -> HubIdentity:
    """GET /v1/ca without verification, kept only if its fingerprint is the join code's."""
    code = joincode.decode(code_text)
    client = HubClient(code.url, pki.unverified_context())
    try:
        answer = client.get("/v1/ca")
    except HubNotProven:  # no certificate is checked here: TLS itself failed
        raise JoinFailed(
            "Something answered at the join code's address but did not set up the practice's "
            "secure connection (TLS 1.3). Nothing was sent: check the address, or ask IT to "
            "look at the hub."
        ) from None
    finally:
        client.close()
    ca_pem = answer.get("ca_pem")
    if not isinstance(ca_pem, str) or pki.fingerprint(ca_pem) != code.fingerprint:
        raise JoinFailed(
            "The hub at this address did not show the practice certificate the join code "
            "names. Nothing was changed: check the address, or make a new code at the hub."
        )
    names = pki.load_cert(ca_pem).subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    practice = str(names[0].value) if names else ""
    return HubIdentity(code, ca_pem, practice)


def _unwrap(wrapped: dict[str, str], wrap_key: X25519PrivateKey, workstation_id: str) -> bytes:
    shared = wrap_key.exchange(X25519PublicKey.from_public_bytes(_b64(wrapped["ephemeral"])))
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=WRAP_INFO + workstation_id.encode(),
    ).derive(shared)
    return AESGCM(key).decrypt(
        _b64(wrapped["nonce"]), _b64(wrapped["ciphertext"]), workstation_id.encode()
    )


def _b64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def join(installation: Installation, hub: HubIdentity, name: str, clock: Clock) -> HubMembership:
    """Post /v1/join, store the practice keys and this PC's key, write hub.json.

    The installation's own pseudonym key is kept as `key.pseudonym.<id>` and its archive
    key as `key.archive.<id>` (older entries and batches stay readable); the hub's become
    the current ones, so one patient has one pseudonym in the whole office.
    """
    if hub.practice_id and hub.practice_id != installation.practice_id:
        raise JoinFailed(
            f"This installation belongs to practice '{installation.practice_id}', the hub to "
            f"'{hub.practice_id}'. Nothing was changed."
        )
    ws = installation.workstation_id
    tls_key = pki.new_private_key()
    wrap_key = X25519PrivateKey.generate()
    wrap_public = wrap_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    client = HubClient(hub.code.url, pki.client_context(hub.ca_pem))
    try:
        answer = client.post(
            "/v1/join",
            {
                "token": hub.code.token,
                "name": name,
                "workstation_id": ws,
                "csr_pem": pki.make_csr(ws, tls_key),
                "wrap_public_key": base64.b64encode(wrap_public).decode("ascii"),
            },
        )
    except HubNotProven:
        raise JoinFailed(
            f"The hub at {hub.code.url} showed the practice certificate the code names, but its "
            "own certificate was not accepted for that address (it names other addresses, or "
            "has expired). Nothing was sent. On the hub, IT sets its addresses ('enamel-admin "
            "hub address --address ...') and restarts it, then makes a new code."
        ) from None
    finally:
        client.close()
    try:
        cert_pem = str(answer["cert_pem"])
        cert = pki.load_cert(cert_pem)
        keys = json.loads(_unwrap(answer["wrapped_keys"], wrap_key, ws))
        pseudonym = base64.b64decode(keys["pseudonym"])
        archive = base64.b64decode(keys["archive"])
    except Exception as exc:  # whatever part of the answer does not read
        log.warning("hub.join_bad_answer", extra={"error_class": type(exc).__name__})
        raise JoinFailed(
            "The hub's answer to the join could not be used (its keys or certificate did not "
            "read). Make a new code at the hub and try again."
        ) from None
    if pki.cert_common_name(cert) != ws or len(pseudonym) != 32 or len(archive) != 32:
        raise JoinFailed("The hub issued a certificate or keys for another workstation.")
    practice = str(answer.get("practice_id") or installation.practice_id)
    if practice != installation.practice_id:
        raise JoinFailed(
            f"The hub belongs to practice '{practice}', this installation to "
            f"'{installation.practice_id}'. Nothing was changed."
        )
    _adopt_practice_keys(installation, pseudonym, archive, clock)
    now = clock.now()
    installation.secrets.put(TLS_KEY, pki.private_key_pem(tls_key).encode("ascii"), now)
    membership = HubMembership(
        url=hub.code.url,
        ca_pem=hub.ca_pem,
        cert_pem=cert_pem,
        practice_id=practice,
        workstation_id=ws,
        joined_at=now.isoformat(),
    )
    membership.save(installation.layout)
    release_archive_credentials(installation, clock)
    return membership


def release_archive_credentials(installation: Installation, clock: Clock) -> bool:
    """A joined PC holds no archive credentials: the hub archives for the practice.

    Deleted at once when this PC archived nothing on its own; otherwise once its earlier
    batches are at the hub (`services/hub/handover.py` reads them from its own archive first),
    i.e. after the hub took a batch of its chain. True if keys were deleted.
    """
    from services.audit import AuditTrail, Pseudonymizer
    from services.hub.archive_credentials import AT_JOIN, forget_archive_credentials
    from storage.archive_repo import ArchiveRepository

    if ArchiveRepository(installation.db).batches():
        return False
    trail = AuditTrail(
        installation.db,
        clock,
        Pseudonymizer(installation.secrets.require(PSEUDONYM_KEY)),
        practice_id=installation.practice_id,
        workstation_id=installation.workstation_id,
        user_agent="enamel-admin (join)",
    )
    return forget_archive_credentials(installation, trail, AT_JOIN)


def _adopt_practice_keys(
    installation: Installation, pseudonym: bytes, archive: bytes, clock: Clock
) -> None:
    now = clock.now()
    secrets = installation.secrets
    old_pseudonym = secrets.get(PSEUDONYM_KEY)
    if old_pseudonym is not None and old_pseudonym != pseudonym:
        secrets.put(f"{PSEUDONYM_KEY}.{pseudonym_key_id(old_pseudonym)}", old_pseudonym, now)
    old_archive = secrets.get(ARCHIVE_KEY)
    if old_archive is not None and old_archive != archive:
        secrets.put(f"{ARCHIVE_KEY}.{key_id(old_archive)}", old_archive, now)
    secrets.put(PSEUDONYM_KEY, pseudonym, now)
    secrets.put(ARCHIVE_KEY, archive, now)
