"""Creating, opening and recovering one installation: keys, database, recovery file."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from errors import EnamelError
from services.clock import Clock
from storage import recovery
from storage.database import Database
from storage.errors import AlreadyInitialised, NotAnEnamelDatabase, WrongKey
from storage.keystore import KeyStore
from storage.layout import DataLayout, WorkstationIdentity, key_check
from storage.settings_repo import SecretsRepository, SettingsRepository

PRACTICE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# Names of the keys kept (encrypted) in the secrets table.
PSEUDONYM_KEY = "key.pseudonym"
ARCHIVE_KEY = "key.archive"
SIGNING_KEY = "key.signing"

DEFAULT_SETTINGS = {
    "idle_lock_minutes": "15",
    "archive.backend": "folder",
    "pms.mode": "service",
}


class UsageError(EnamelError):
    exit_code = 2


@dataclass
class Installation:
    """An open installation: everything the composition root wires services onto."""

    layout: DataLayout
    identity: WorkstationIdentity
    database_key: bytes
    db: Database
    settings: SettingsRepository
    secrets: SecretsRepository

    @property
    def practice_id(self) -> str:
        return self.identity.practice_id

    @property
    def workstation_id(self) -> str:
        return self.identity.workstation_id

    def close(self) -> None:
        self.db.close()


@dataclass(frozen=True)
class InitResult:
    installation: Installation
    passphrase: str


def validate_practice_id(practice_id: str) -> str:
    if not PRACTICE_ID.match(practice_id):
        raise UsageError(
            "A practice id is 2 to 63 characters: lower-case letters, digits and hyphens, "
            "starting with a letter or digit (for example 'smile-dental-01')."
        )
    return practice_id


def initialise(
    layout: DataLayout, keystore: KeyStore, practice_id: str, clock: Clock
) -> InitResult:
    validate_practice_id(practice_id)
    layout.ensure_writable()
    existing = [
        p for p in (layout.database, layout.identity_file, layout.recovery_file) if p.exists()
    ]
    if existing:
        raise AlreadyInitialised(
            f"{layout.root} already holds an Enamel installation ({existing[0].name}); "
            "nothing was changed. Use another --data-dir, or 'enamel-admin recover'."
        )
    now = clock.now()
    database_key = os.urandom(32)
    archive_key = os.urandom(32)
    identity = WorkstationIdentity.new(practice_id, database_key, now.isoformat())
    # The credential store is touched first: if it is unusable, nothing is left on disk.
    keystore.put(identity.keystore_name, database_key)
    try:
        db = Database.create(layout.database, database_key)
        identity = identity.with_salt(db.salt())
        settings = SettingsRepository(db)
        secrets = SecretsRepository(db, database_key)
        signing = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        secrets.put(PSEUDONYM_KEY, os.urandom(32), now)
        secrets.put(ARCHIVE_KEY, archive_key, now)
        secrets.put(SIGNING_KEY, signing, now)
        settings.set("practice_id", practice_id, now)
        for name, value in DEFAULT_SETTINGS.items():
            settings.set(name, value, now)
        passphrase = recovery.new_passphrase()
        blob = recovery.wrap(
            recovery.EscrowedKeys(database_key, archive_key, practice_id), passphrase
        )
        recovery.write_file(layout.recovery_file, blob)
        identity.save(layout.identity_file)
    except BaseException:
        keystore.delete(identity.keystore_name)
        for path in [*layout.database_files(), layout.recovery_file, layout.identity_file]:
            path.unlink(missing_ok=True)
        raise
    installation = Installation(layout, identity, database_key, db, settings, secrets)
    return InitResult(installation, passphrase)


def load_identity(layout: DataLayout) -> WorkstationIdentity:
    if not layout.identity_file.exists():
        if layout.database.exists():
            raise NotAnEnamelDatabase(
                f"{layout.root} has a database but no workstation.json; it was not made by "
                "'enamel-admin init'."
            )
        from storage.errors import DatabaseMissing

        raise DatabaseMissing(
            f"There is no Enamel installation in {layout.root}. Run 'enamel-admin init "
            "--practice-id ID' (or the first-run set-up) first."
        )
    return WorkstationIdentity.load(layout.identity_file)


def open_installation(layout: DataLayout, keystore: KeyStore) -> Installation:
    identity = load_identity(layout)
    database_key = keystore.get(identity.keystore_name)
    db = Database.open(
        layout.database,
        database_key,
        expected_key_check=identity.key_check,
        expected_salt=identity.db_salt,
    )
    return Installation(
        layout,
        identity,
        database_key,
        db,
        SettingsRepository(db),
        SecretsRepository(db, database_key),
    )


def recover(layout: DataLayout, keystore: KeyStore, passphrase: str) -> WorkstationIdentity:
    """Put the database key back into the credential store from the recovery passphrase."""
    identity = load_identity(layout)
    if not layout.recovery_file.exists():
        raise NotAnEnamelDatabase(f"There is no recovery file in {layout.root}.")
    keys = recovery.unwrap(layout.recovery_file.read_bytes(), passphrase)
    if key_check(keys.database_key) != identity.key_check:
        raise WrongKey(
            "This recovery file does not belong to the database in this folder. Nothing was changed."
        )
    # Prove the key opens the database before storing it.
    Database.open(
        layout.database,
        keys.database_key,
        expected_key_check=identity.key_check,
        expected_salt=identity.db_salt,
    ).close()
    keystore.put(identity.keystore_name, keys.database_key)
    return identity


def rewrap_recovery(installation: Installation, passphrase: str) -> None:
    """Rewrite the recovery file (after a key rotation) under the given passphrase."""
    archive_key = installation.secrets.require(ARCHIVE_KEY)
    blob = recovery.wrap(
        recovery.EscrowedKeys(installation.database_key, archive_key, installation.practice_id),
        passphrase,
    )
    recovery.write_file(installation.layout.recovery_file, blob)
