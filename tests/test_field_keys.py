"""Derived field keys: one HKDF label per purpose, and databases written the old way upgraded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.bootstrap import Services, build_services
from services.access import Actor, ActorType, Role
from services.auth import totp
from services.auth.passwords import HashParams
from services.clock import ManualClock
from services.installation import PSEUDONYM_KEY, initialise, open_installation
from services.keyrotation import database_key as rotation
from storage import keys
from storage.database import APPLICATION_ID, raw_connect
from storage.errors import FieldUnreadable
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout, WorkstationIdentity
from storage.migrations import LATEST_VERSION, MIGRATIONS

ADMIN = Actor("cli_it", ActorType.HUMAN, Role.IT_ADMIN)
PASSWORD = "correct horse battery staple"
CHEAP = HashParams(1, 8 * 1024, 1)


def _schema6_key(ikm: bytes) -> AESGCM:
    """The derivation Enamel used up to schema 6, copied here, not imported."""
    return AESGCM(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"enamel secrets v1").derive(ikm)
    )


def _rewrite_the_schema6_way(layout: DataLayout, database_key: bytes) -> None:
    """Rebuild the database as Enamel up to schema 6 wrote it: only migrations 1-6 applied,
    the same rows, every encrypted value under the old derivation."""
    now_secrets = AESGCM(keys.secrets_key(database_key))
    now_totp = AESGCM(keys.totp_key(database_key))
    old_secrets, old_totp = _schema6_key(database_key), _schema6_key(database_key + b"totp")
    rebuilt = layout.database.with_name("schema6.db")
    conn = raw_connect(rebuilt, database_key)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # rows are copied table by table
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for number, step in MIGRATIONS[:6]:
            assert number <= 6
            conn.execute("BEGIN IMMEDIATE")
            step(conn, database_key)
            conn.execute("COMMIT")
        conn.execute("PRAGMA user_version = 6")
        conn.execute(
            f"ATTACH DATABASE ? AS now KEY \"x'{database_key.hex()}'\"", (str(layout.database),)
        )
        conn.execute("BEGIN IMMEDIATE")
        tables = conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for (table,) in tables:
            cols = ", ".join(r[1] for r in conn.execute(f'PRAGMA main.table_info("{table}")'))
            conn.execute(f'INSERT INTO main."{table}"({cols}) SELECT {cols} FROM now."{table}"')
        for name, nonce, data in conn.execute(
            "SELECT name, nonce, ciphertext FROM main.secrets"
        ).fetchall():
            plain = now_secrets.decrypt(bytes(nonce), bytes(data), name.encode())
            fresh = os.urandom(12)
            conn.execute(
                "UPDATE main.secrets SET nonce = ?, ciphertext = ? WHERE name = ?",
                (fresh, old_secrets.encrypt(fresh, plain, name.encode()), name),
            )
        for user_id, nonce, data in conn.execute(
            "SELECT user_id, totp_nonce, totp_secret FROM main.accounts "
            "WHERE totp_secret IS NOT NULL"
        ).fetchall():
            plain = now_totp.decrypt(bytes(nonce), bytes(data), user_id.encode())
            fresh = os.urandom(12)
            conn.execute(
                "UPDATE main.accounts SET totp_nonce = ?, totp_secret = ? WHERE user_id = ?",
                (fresh, old_totp.encrypt(fresh, plain, user_id.encode()), user_id),
            )
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE now")
    finally:
        conn.close()
    for path in layout.database_files():
        path.unlink(missing_ok=True)
    rebuilt.replace(layout.database)
    identity = WorkstationIdentity.load(layout.identity_file)
    identity.with_salt(layout.database.read_bytes()[:16]).save(layout.identity_file)


def _user_version(database: Path, database_key: bytes) -> int:
    conn = raw_connect(database, database_key)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


@dataclass
class Enrolled:
    services: Services
    recovery_passphrase: str
    totp_secret: str
    pseudonym_key: bytes


def _enrolled_installation(data_dir: Path, clock: ManualClock) -> Enrolled:
    """An installation with one enrolled user."""
    result = initialise(DataLayout(data_dir), KeyringKeyStore(), "test-practice", clock)
    services = build_services(result.installation, clock, CHEAP)
    services.users.add(ADMIN, "pat", Role.FRONT_DESK, PASSWORD)
    step = services.auth.check_password("pat", PASSWORD)
    secret = services.auth.begin_enrollment(step).secret
    services.auth.confirm_enrollment(step, totp.code_at(secret, clock.now()))
    clock.advance(31)
    pseudonym = services.installation.secrets.require(PSEUDONYM_KEY)
    return Enrolled(services, result.passphrase, secret, pseudonym)


def _signs_in(services: Services, secret: str, clock: ManualClock) -> None:
    step = services.auth.check_password("pat", PASSWORD)
    session = services.auth.check_code(step, totp.code_at(secret, clock.now()))
    assert session.role is Role.FRONT_DESK


def test_each_purpose_has_its_own_label_and_key() -> None:
    key = os.urandom(32)
    labels = [keys.SECRETS_INFO, keys.TOTP_INFO, keys.UNKNOWN_LOGIN_INFO]
    assert len(set(labels)) == len(labels)
    derived = [keys.secrets_key(key), keys.totp_key(key), keys.unknown_login_key(key)]
    assert len(set(derived)) == len(derived) and all(len(k) == 32 for k in derived)
    assert keys.secrets_key(key) == keys.FieldKeys.of(key).secrets
    # The old scheme derived the TOTP key from a second input under the secrets label.
    legacy = keys.FieldKeys.legacy(key)
    assert legacy.totp != keys.totp_key(key) and legacy.secrets != keys.secrets_key(key)
    assert keys.secrets_key(key) != keys.secrets_key(os.urandom(32))


def test_a_schema6_database_is_upgraded_and_its_users_still_sign_in(
    data_dir: Path, clock: ManualClock
) -> None:
    made = _enrolled_installation(data_dir, clock)
    services, secret, pseudonym = made.services, made.totp_secret, made.pseudonym_key
    layout, key = services.installation.layout, services.installation.database_key
    services.close()
    _rewrite_the_schema6_way(layout, key)

    keystore = KeyringKeyStore()
    reopened = build_services(open_installation(layout, keystore), clock, CHEAP)
    try:
        assert _user_version(layout.database, key) == LATEST_VERSION
        assert reopened.installation.secrets.require(PSEUDONYM_KEY) == pseudonym
        assert reopened.accounts.totp_secret(reopened.accounts.by_login("pat").user_id) == secret
        _signs_in(reopened, secret, clock)
    finally:
        reopened.close()

    # Nothing is left under the old derivation, and opening again changes nothing.
    conn = raw_connect(layout.database, key)
    try:
        name, nonce, data = conn.execute(
            "SELECT name, nonce, ciphertext FROM secrets WHERE name = ?", (PSEUDONYM_KEY,)
        ).fetchone()
        with pytest.raises(InvalidTag):
            _schema6_key(key).decrypt(bytes(nonce), bytes(data), name.encode())
        before = conn.execute("SELECT nonce FROM secrets ORDER BY name").fetchall()
    finally:
        conn.close()
    clock.advance(30)
    again = build_services(open_installation(layout, keystore), clock, CHEAP)
    try:
        _signs_in(again, secret, clock)
    finally:
        again.close()
    conn = raw_connect(layout.database, key)
    try:
        assert conn.execute("SELECT nonce FROM secrets ORDER BY name").fetchall() == before
    finally:
        conn.close()


def test_a_value_under_no_known_key_stops_the_upgrade_and_changes_nothing(
    data_dir: Path, clock: ManualClock
) -> None:
    services = _enrolled_installation(data_dir, clock).services
    layout, key = services.installation.layout, services.installation.database_key
    services.close()
    _rewrite_the_schema6_way(layout, key)
    stranger = AESGCM(os.urandom(32))
    conn = raw_connect(layout.database, key)
    try:
        nonce = os.urandom(12)
        conn.execute(
            "UPDATE secrets SET nonce = ?, ciphertext = ? WHERE name = ?",
            (nonce, stranger.encrypt(nonce, b"x", PSEUDONYM_KEY.encode()), PSEUDONYM_KEY),
        )
    finally:
        conn.close()
    with pytest.raises(FieldUnreadable, match="secrets"):
        open_installation(layout, KeyringKeyStore())
    assert _user_version(layout.database, key) == 6  # rolled back, nothing half-moved


def test_a_key_rotation_interrupted_before_the_upgrade_still_completes(
    data_dir: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _enrolled_installation(data_dir, clock)
    inst, keystore = made.services.installation, KeyringKeyStore()
    old_key = inst.database_key

    def power_cut(*args: object, **kw: object) -> bool:
        raise KeyboardInterrupt

    # An older Enamel started the rotation (new key pending, marker written), then died.
    monkeypatch.setattr(rotation, "complete_rotation", power_cut)
    with pytest.raises(KeyboardInterrupt):
        rotation.rotate_database_key(inst, keystore, made.recovery_passphrase, clock, ADMIN)
    monkeypatch.undo()
    layout = inst.layout
    made.services.close()
    _rewrite_the_schema6_way(layout, old_key)

    assert rotation.complete_rotation(layout, keystore) is True
    reopened = build_services(open_installation(layout, keystore), clock, CHEAP)
    try:
        assert reopened.installation.database_key != old_key
        assert reopened.installation.secrets.require(PSEUDONYM_KEY) == made.pseudonym_key
        _signs_in(reopened, made.totp_secret, clock)
    finally:
        reopened.close()
