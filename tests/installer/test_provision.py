"""enamel-admin provision: validation naming the key, init or apply, secrets stored and scrubbed."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from services import provisioning as prov
from services.compliance.breach.office_hours import parse_office_hours
from tests.support import admin, admin_recovery, passphrase_from

SECRETS = {
    "developer_key": "DEV-KEY-aa11bb22",
    "customer_key": "CUST-KEY-cc33dd44",
    "access_key_id": "AKIA-ZZ-EXAMPLE-9",
    "secret_access_key": "s3cr3t/with+odd=chars",
}


def full_document(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "enamel-provision-v1",
        "practice_id": "smile-dental-01",
        "idle_lock_minutes": 10,
        "pms": {
            "mode": "url",
            "url": "https://od.example.org/api/v1",
            "developer_key": SECRETS["developer_key"],
            "customer_key": SECRETS["customer_key"],
        },
        "archive": {
            "backend": "s3",
            "endpoint": "https://s3.example.org",
            "bucket": "enamel-audit",
            "region": "eu-central-1",
            "access_key_id": SECRETS["access_key_id"],
            "secret_access_key": SECRETS["secret_access_key"],
        },
        "office_hours": {"mon": ["08:00", "17:00"], "fri": ["08:00", "13:00"], "sat": []},
    }
    doc.update(overrides)
    return doc


def write_json(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2))
    return path


def open_inst(data_dir: Path):  # type: ignore[no-untyped-def]
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    return open_installation(DataLayout(data_dir), KeyringKeyStore())


def audit_rows(data_dir: Path) -> list[dict[str, Any]]:
    from storage.audit_repo import AuditRepository

    inst = open_inst(data_dir)
    try:
        return [json.loads(row[1]) for row in AuditRepository(inst.db).rows()]
    finally:
        inst.close()


def test_new_installation_from_json(tmp_path: Path, data_dir: Path) -> None:
    file = write_json(tmp_path / "enamel-provision.json", full_document())
    result = admin("--data-dir", str(data_dir), "provision", str(file))
    assert result.code == 0, result.err
    assert "RECOVERY PASSPHRASE" in result.out
    for value in SECRETS.values():
        assert value not in result.out + result.err
        assert value not in file.read_text()
    scrubbed = json.loads(file.read_text())
    assert scrubbed["pms"]["developer_key"] == prov.STORED
    assert scrubbed["archive"]["secret_access_key"] == prov.STORED
    assert scrubbed["archive"]["bucket"] == "enamel-audit"  # everything else is kept
    assert "Delete the file now" in result.out
    inst = open_inst(data_dir)
    try:
        s = inst.settings
        assert s.get("practice_id") == "smile-dental-01"
        assert s.get("pms.mode") == "url"
        assert s.get("pms.base_url") == "https://od.example.org/api/v1"
        assert s.get("archive.backend") == "s3"
        assert s.get("archive.s3.endpoint") == "https://s3.example.org"
        assert s.get("archive.s3.bucket") == "enamel-audit"
        assert s.get("archive.s3.region") == "eu-central-1"
        assert s.get("idle_lock_minutes") == "10"
        hours = parse_office_hours(s.get("office_hours"))
        assert hours is not None and hours[0] is not None and hours[5] is None
        assert inst.secrets.get("pms.developer_key") == SECRETS["developer_key"].encode()
        assert inst.secrets.get("pms.customer_key") == SECRETS["customer_key"].encode()
        assert inst.secrets.get("archive.s3.access_key_id") == SECRETS["access_key_id"].encode()
        assert (
            inst.secrets.get("archive.s3.secret_access_key")
            == SECRETS["secret_access_key"].encode()
        )
    finally:
        inst.close()
    changes = [r for r in audit_rows(data_dir) if r["action"] == "configuration_change"]
    assert {r["resource_id"] for r in changes} >= {
        "pms.base_url",
        "idle_lock_minutes",
        "office_hours",
        "pms.developer_key",
        "archive.s3.secret_access_key",
    }
    assert all(r["actor_id"].startswith("cli_") for r in changes)
    assert all(r["actor_type"] == "human" for r in changes)


def test_passphrase_out_is_owner_only_and_not_printed(tmp_path: Path, data_dir: Path) -> None:
    file = write_json(tmp_path / "p.json", {"practice_id": "quiet-01"})
    out = tmp_path / "passphrase.txt"
    result = admin(
        "--data-dir", str(data_dir), "provision", str(file), "--passphrase-out", str(out)
    )
    assert result.code == 0, result.err
    passphrase = out.read_text().strip()
    assert len(passphrase) > 20
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert passphrase not in result.out
    assert "RECOVERY PASSPHRASE" not in result.out
    # The passphrase is the real one: recover accepts it.
    again = admin("--data-dir", str(data_dir), "recover", "--passphrase-stdin", stdin=passphrase)
    assert again.code == 0, again.err
    # An existing file is never overwritten.
    refused = admin(
        "--data-dir", str(tmp_path / "other"), "provision", str(file), "--passphrase-out", str(out)
    )
    assert refused.code == 2 and "already exists" in refused.err
    assert not (tmp_path / "other" / "enamel.db").exists()


def test_toml_keeps_layout_and_comments(tmp_path: Path, data_dir: Path) -> None:
    file = tmp_path / "enamel-provision.toml"
    file.write_text(
        "# Smile Dental, front desk PCs\n"
        'practice_id = "smile-dental-01"\n'
        "idle_lock_minutes = 5\n\n"
        "[pms]\n"
        'mode = "service"\n'
        'host = "od-server"\n'
        'allow_http_hosts = ["od-server"]\n'
        f'developer_key = "{SECRETS["developer_key"]}"   # from Open Dental\n'
        f"customer_key = '{SECRETS['customer_key']}'\n\n"
        "[archive]\n"
        'backend = "folder"\n'
        f'path = "{tmp_path / "nas-archive"}"\n'
    )
    result = admin("--data-dir", str(data_dir), "provision", str(file))
    assert result.code == 0, result.err
    text = file.read_text()
    assert "# Smile Dental, front desk PCs" in text and "# from Open Dental" in text
    assert SECRETS["developer_key"] not in text and SECRETS["customer_key"] not in text
    assert text.count('"(stored)"') == 2
    inst = open_inst(data_dir)
    try:
        assert inst.settings.get("pms.base_url") == "http://od-server:30223/api/v1"
        assert inst.settings.get("pms.allow_http_hosts") == "od-server"
        assert inst.settings.get("archive.folder.path") == str(tmp_path / "nas-archive")
    finally:
        inst.close()
    # Running it again changes nothing and stores nothing (the markers are not secrets).
    rerun = admin_recovery(
        "--data-dir", str(data_dir), "provision", str(file),
        passphrase=passphrase_from(result.out),
    )  # fmt: skip
    assert rerun.code == 0, rerun.err
    assert "  stored " not in rerun.out
    assert "  same     pms.base_url" in rerun.out


def test_delete_after(tmp_path: Path, data_dir: Path) -> None:
    file = write_json(tmp_path / "enamel-provision.json", full_document())
    result = admin("--data-dir", str(data_dir), "provision", str(file), "--delete-after")
    assert result.code == 0, result.err
    assert not file.exists()
    assert "Deleted" in result.out


def test_applies_to_existing_installation(tmp_path: Path, data_dir: Path) -> None:
    init = admin("--data-dir", str(data_dir), "init", "--practice-id", "smile-dental-01")
    assert init.code == 0
    passphrase = passphrase_from(init.out)
    file = write_json(
        tmp_path / "p.json", {"practice_id": "smile-dental-01", "idle_lock_minutes": 7}
    )
    unproven = admin("--data-dir", str(data_dir), "provision", str(file))
    assert unproven.code == 2 and "needs an Enamel sign-in" in unproven.err
    result = admin_recovery(
        "--data-dir", str(data_dir), "provision", str(file), passphrase=passphrase
    )
    assert result.code == 0, result.err
    assert "RECOVERY PASSPHRASE" not in result.out
    assert "Applied to the installation" in result.out
    inst = open_inst(data_dir)
    try:
        assert inst.settings.get("idle_lock_minutes") == "7"
    finally:
        inst.close()
    other = write_json(tmp_path / "o.json", {"practice_id": "another-practice"})
    refused = admin_recovery(
        "--data-dir", str(data_dir), "provision", str(other), passphrase=passphrase
    )
    assert refused.code == 2
    assert "'practice_id'" in refused.err and "smile-dental-01" in refused.err


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"idle_lock_minutes": 20}, "'idle_lock_minutes'"),
        ({"idle_lock_minutes": 0}, "'idle_lock_minutes'"),
        ({"idle_lock_minutes": "10"}, "'idle_lock_minutes'"),
        ({"idle_lock_minutes": True}, "'idle_lock_minutes'"),
        ({"practice_id": "Bad Name"}, "'practice_id'"),
        ({"practice_id": None}, "'practice_id'"),
        ({"colour": "blue"}, "'colour'"),
        ({"format": "enamel-provision-v9"}, "'format'"),
        ({"pms": {"mode": "cloud"}}, "'pms.mode'"),
        ({"pms": {"mode": "url"}}, "'pms.url'"),
        ({"pms": {"mode": "url", "url": "http://10.1.2.3/api/v1"}}, "'pms.url'"),
        ({"pms": {"mode": "remote", "developer_key": "x"}}, "'pms.customer_key'"),
        ({"pms": {"mode": "service", "devloper_key": "x"}}, "'pms.devloper_key'"),
        ({"pms": "service"}, "'pms'"),
        ({"archive": {"backend": "ftp"}}, "'archive.backend'"),
        ({"archive": {"backend": "s3", "bucket": "b"}}, "'archive.endpoint'"),
        (
            {"archive": {"backend": "s3", "endpoint": "http://s3.example.org", "bucket": "b"}},
            "'archive.endpoint'",
        ),
        ({"archive": {"backend": "s3", "endpoint": "https://s3.example.org"}}, "'archive.bucket'"),
        ({"archive": {"backend": "folder", "path": "relative/dir"}}, "'archive.path'"),
        ({"archive": {"backend": "folder", "bucket": "b"}}, "'archive.bucket'"),
        ({"office_hours": {"monday": ["08:00", "17:00"]}}, "'office_hours.monday'"),
        ({"office_hours": {"mon": ["17:00", "08:00"]}}, "'office_hours.mon'"),
        ({"office_hours": {"mon": ["8am", "5pm"]}}, "'office_hours.mon'"),
        ({"office_hours": {"mon": ["08:00", "25:00"]}}, "'office_hours.mon'"),
        ({"office_hours": ["08:00", "17:00"]}, "'office_hours'"),
    ],
)
def test_bad_file_names_the_key_and_changes_nothing(
    tmp_path: Path, data_dir: Path, change: dict[str, Any], key: str
) -> None:
    file = write_json(tmp_path / "p.json", full_document(**change))
    before = file.read_text()
    result = admin("--data-dir", str(data_dir), "provision", str(file))
    assert result.code == 2, result.out
    assert key in result.err, result.err
    assert not (data_dir / "enamel.db").exists()
    assert file.read_text() == before
    for value in SECRETS.values():
        assert value not in result.err


def test_unreadable_and_malformed_files(tmp_path: Path, data_dir: Path) -> None:
    missing = admin("--data-dir", str(data_dir), "provision", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "cannot be read" in missing.err
    broken = tmp_path / "broken.json"
    broken.write_text('{"practice_id": "x",')
    bad_json = admin("--data-dir", str(data_dir), "provision", str(broken))
    assert bad_json.code == 2 and "not valid JSON" in bad_json.err
    toml = tmp_path / "broken.toml"
    toml.write_text("practice_id = \n")
    bad_toml = admin("--data-dir", str(data_dir), "provision", str(toml))
    assert bad_toml.code == 2 and "not valid TOML" in bad_toml.err


def test_s3_without_keys_is_allowed_with_a_note(tmp_path: Path, data_dir: Path) -> None:
    doc = full_document()
    for key in ("access_key_id", "secret_access_key"):
        del doc["archive"][key]
    file = write_json(tmp_path / "p.json", doc)
    result = admin("--data-dir", str(data_dir), "provision", str(file))
    assert result.code == 0, result.err
    assert "S3 access keys are not stored yet" in result.out


def test_office_hours_setting_is_canonical() -> None:
    text = prov.office_hours_setting({"tue": ["09:00", "18:30"], "sun": None})
    assert json.loads(text) == {
        "mon": None,
        "tue": ["09:00", "18:30"],
        "wed": None,
        "thu": None,
        "fri": None,
        "sat": None,
        "sun": None,
    }
    assert parse_office_hours(text) is not None


def test_toml_inline_table_secrets_are_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'practice_id = "a-practice"\n'
        f'pms = {{ mode = "remote", developer_key = "{SECRETS["developer_key"]}", '
        f'customer_key = "{SECRETS["customer_key"]}" }}\n'
    )
    file = prov.read_file(path)
    assert prov.parse(file.document).secrets
    assert prov.scrub(file) == ["pms.developer_key", "pms.customer_key"]
    again = prov.read_file(path)
    assert again.document["pms"]["developer_key"] == prov.STORED
    assert again.document["pms"]["mode"] == "remote"
