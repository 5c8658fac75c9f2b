"""Foundation: init, status, recover, and every distinct failure of opening an installation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import keyring
import pytest

from services.installation import open_installation
from storage.database import raw_connect
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout, WorkstationIdentity
from tests.support import admin, admin_process, all_files, passphrase_from, phi_hits


def init(data_dir: Path, practice: str = "smile-dental-01") -> str:
    result = admin("--data-dir", str(data_dir), "init", "--practice-id", practice)
    assert result.code == 0, result.err
    return passphrase_from(result.out)


def fingerprint(data_dir: Path) -> dict[str, str]:
    """Hashes of every installation file, to show a failed command changed nothing."""
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in all_files(data_dir)
        if "logs" not in p.parts and not p.name.endswith("-shm")
    }


def keystore_name(data_dir: Path) -> str:
    return WorkstationIdentity.load(DataLayout(data_dir).identity_file).keystore_name


def test_init_creates_an_encrypted_installation_and_prints_the_passphrase_once(
    data_dir: Path,
) -> None:
    passphrase = init(data_dir)
    assert len(passphrase.replace("-", "")) == 30
    layout = DataLayout(data_dir)
    assert layout.database.exists() and layout.recovery_file.exists()
    assert layout.database.read_bytes()[:16] != b"SQLite format 3\x00"
    assert passphrase not in layout.recovery_file.read_text()
    status = admin("--data-dir", str(data_dir), "status")
    assert status.code == 0, status.err
    assert "smile-dental-01" in status.out
    assert "Schema version" in status.out and "idle_lock_minutes" in status.out
    assert passphrase not in status.out
    installation = open_installation(layout, KeyringKeyStore())
    key_hex = installation.database_key.hex()
    installation.close()
    assert key_hex not in status.out
    for path in all_files(data_dir):
        assert key_hex.encode() not in path.read_bytes()


def test_init_refuses_to_overwrite(data_dir: Path) -> None:
    init(data_dir)
    before = fingerprint(data_dir)
    again = admin("--data-dir", str(data_dir), "init", "--practice-id", "other-practice")
    assert again.code == 2
    assert "already holds an Enamel installation" in again.err
    assert fingerprint(data_dir) == before


def test_bad_practice_id_is_a_usage_error(data_dir: Path) -> None:
    result = admin("--data-dir", str(data_dir), "init", "--practice-id", "Bad Id!")
    assert result.code == 2
    assert "practice id" in result.err
    assert not DataLayout(data_dir).database.exists()


def test_fake_phi_in_the_database_is_nowhere_in_plaintext(
    data_dir: Path, fake_phi: dict[str, str]
) -> None:
    init(data_dir)
    installation = open_installation(DataLayout(data_dir), KeyringKeyStore())
    with installation.db.transaction() as conn:
        conn.execute("CREATE TABLE phi_probe(value TEXT)")
        for value in fake_phi.values():
            conn.executemany("INSERT INTO phi_probe VALUES (?)", [(value,)] * 50)
    # Leave the rows in the WAL as well as (after a checkpoint) in the main file.
    installation.db.connection().execute("PRAGMA wal_checkpoint(PASSIVE)")
    with installation.db.transaction() as conn:
        conn.executemany("INSERT INTO phi_probe VALUES (?)", [(v,) for v in fake_phi.values()])
    wal = DataLayout(data_dir).database.with_name("enamel.db-wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert phi_hits(all_files(data_dir), fake_phi.values()) == []
    count = installation.db.connection().execute("SELECT count(*) FROM phi_probe").fetchone()[0]
    assert count == 50 * len(fake_phi) + len(fake_phi)
    installation.close()
    assert phi_hits(all_files(data_dir), fake_phi.values()) == []


def test_recover_restores_a_deleted_credential_store_entry(data_dir: Path) -> None:
    passphrase = init(data_dir)
    keyring.delete_password("Enamel", keystore_name(data_dir))
    before = fingerprint(data_dir)

    missing = admin("--data-dir", str(data_dir), "status")
    assert missing.code == 2
    assert "not in this computer's credential store" in missing.out

    wrong = admin(
        "--data-dir", str(data_dir), "recover", "--passphrase-stdin", stdin="AAAAA-BBBBB-CCCCC\n"
    )
    assert wrong.code == 2
    assert "not correct" in wrong.err
    assert keyring.get_password("Enamel", keystore_name(data_dir)) is None
    assert fingerprint(data_dir) == before

    # Typed sloppily: lower case and spaces instead of hyphens.
    typed = passphrase.lower().replace("-", " ")
    ok = admin("--data-dir", str(data_dir), "recover", "--passphrase-stdin", stdin=typed + "\n")
    assert ok.code == 0, ok.err
    assert admin("--data-dir", str(data_dir), "status").code == 0


def test_no_usable_keyring_backend_says_how_to_fix_it(data_dir: Path) -> None:
    result = admin_process(
        "--data-dir",
        str(data_dir),
        "init",
        "--practice-id",
        "smile-dental-01",
        env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert result.code == 2
    assert "No usable credential store" in result.err
    assert "PYTHON_KEYRING_BACKEND" in result.err
    assert not DataLayout(data_dir).database.exists()


def test_wrong_key_is_reported_distinctly(data_dir: Path) -> None:
    init(data_dir)
    before = fingerprint(data_dir)
    keyring.set_password("Enamel", keystore_name(data_dir), "ab" * 32)
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "does not open this database" in result.out
    assert fingerprint(data_dir) == before


def test_a_file_that_is_not_an_enamel_database(data_dir: Path) -> None:
    init(data_dir)
    layout = DataLayout(data_dir)
    for path in layout.database_files():
        path.unlink(missing_ok=True)
    import sqlite3

    plain = sqlite3.connect(layout.database)
    plain.execute("CREATE TABLE t(x)")
    plain.commit()
    plain.close()
    before = fingerprint(data_dir)
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "is not an Enamel database" in result.out
    assert fingerprint(data_dir) == before

    layout.database.write_bytes(b"%PDF-1.7 this is a letter to a patient" * 100)
    before = fingerprint(data_dir)
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "is not an Enamel database" in result.out
    assert fingerprint(data_dir) == before


def test_a_corrupt_database(data_dir: Path) -> None:
    init(data_dir)
    layout = DataLayout(data_dir)
    data = bytearray(layout.database.read_bytes())
    data[100:400] = bytes(300)  # inside page 1, after the salt
    layout.database.write_bytes(bytes(data))
    before = fingerprint(data_dir)
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "is damaged" in result.out
    assert fingerprint(data_dir) == before
    assert layout.database.stat().st_size == len(data)


def test_a_database_from_a_newer_version(data_dir: Path) -> None:
    init(data_dir)
    layout = DataLayout(data_dir)
    installation = open_installation(layout, KeyringKeyStore())
    key = installation.database_key
    installation.close()
    conn = raw_connect(layout.database, key)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = fingerprint(data_dir)
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "newer Enamel" in result.out
    assert fingerprint(data_dir) == before
    conn = raw_connect(layout.database, key)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 999
    conn.close()


def test_a_data_directory_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    result = admin(
        "--data-dir", str(blocker / "enamel"), "init", "--practice-id", "smile-dental-01"
    )
    assert result.code == 2
    assert "cannot be written" in result.err
    assert blocker.read_text() == "a file where the folder should be"


def test_missing_installation_and_missing_key(data_dir: Path) -> None:
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "enamel-admin init" in result.out
    init(data_dir)
    keyring.delete_password("Enamel", keystore_name(data_dir))
    result = admin("--data-dir", str(data_dir), "status")
    assert result.code == 2
    assert "enamel-admin recover" in result.out


def test_usage_errors_exit_2() -> None:
    assert admin("no-such-command").code == 2
    assert admin().code == 2


def test_env_var_chooses_the_data_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENAMEL_DATA_DIR", str(data_dir))
    result = admin("init", "--practice-id", "env-practice")
    assert result.code == 0, result.err
    identity = json.loads(DataLayout(data_dir).identity_file.read_text())
    assert identity["practice_id"] == "env-practice"
