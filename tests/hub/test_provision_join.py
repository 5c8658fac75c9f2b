"""A provisioning file with `[hub] join_code`: a silent install joins the real practice hub."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from services import provisioning as prov
from services.hub.membership import HubMembership
from storage.layout import DataLayout
from tests.hub import kit
from tests.support import admin

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, kit.HubProcess]]:
    root = tmp_path_factory.mktemp("prov") / "hub"
    passphrase = kit.init_hub(root)
    process = kit.HubProcess(root)
    try:
        yield root, passphrase, process
    finally:
        process.stop()


def provision_file(folder: Path, code: str, practice: str = "") -> Path:
    path = folder / "enamel-provision.toml"
    practice_line = f'practice_id = "{practice}"\n' if practice else ""
    path.write_text(
        'format = "enamel-provision-v1"\n'
        f"{practice_line}"
        "idle_lock_minutes = 10\n\n"
        "[hub]\n"
        f'join_code = "{code}"\n'
        'name = "PC-OP-2"\n'
    )
    return path


def test_a_provisioning_file_with_a_join_code_joins_the_hub_and_the_code_is_scrubbed(
    hub: tuple[Path, str, kit.HubProcess], tmp_path: Path
) -> None:
    root, passphrase, process = hub
    code = kit.invite(root, passphrase, "PC-OP-2")
    path = provision_file(tmp_path, code)
    pc = tmp_path / "pc"
    made = admin("--data-dir", str(pc), "provision", str(path))
    assert made.code == 0, made.err
    assert "joined the practice hub" in made.out and "RECOVERY PASSPHRASE" in made.out
    membership = HubMembership.load(DataLayout(pc))
    assert membership is not None and membership.practice_id == kit.PRACTICE
    assert membership.url == process.url
    assert "set      idle_lock_minutes" in made.out
    assert code not in path.read_text()  # a one-time code is not left lying in the file
    assert tomllib.loads(path.read_text())["hub"]["join_code"] == prov.STORED
    listed = admin("--data-dir", str(root), "hub", "workstations")
    assert any("PC-OP-2" in line and "active" in line for line in listed.out.splitlines())
    again = admin("--data-dir", str(pc), "user", "list")  # the installation opens as any other
    assert again.code == 0, again.err


def test_a_join_code_of_another_practice_s_hub_changes_nothing(
    hub: tuple[Path, str, kit.HubProcess], tmp_path: Path
) -> None:
    root, passphrase, _ = hub
    code = kit.invite(root, passphrase, "PC-OTHER")
    pc = tmp_path / "pc"
    made = admin("--data-dir", str(pc), "provision", str(provision_file(tmp_path, code, "other-1")))
    assert made.code == 2
    assert "belongs to 'smile-dental-01'" in made.err and "Nothing was changed" in made.err
    assert not (pc / "workstation.json").exists() and not (pc / "enamel.db").exists()


def test_a_join_code_that_is_not_one_is_named_before_anything_is_made() -> None:
    with pytest.raises(prov.ProvisioningError, match=r"'hub\.join_code' is not a join code"):
        prov.parse({"hub": {"join_code": "ABC"}})
    with pytest.raises(prov.ProvisioningError, match=r"'hub\.colour' is not a known key"):
        prov.parse({"practice_id": "a-b", "hub": {"colour": "x"}})
    with pytest.raises(prov.ProvisioningError, match="'practice_id' is missing"):
        prov.parse({"hub": {"join_code": ""}})  # an empty code is no code
    assert prov.parse({"hub": {"join_code": "EJ1-X", "name": "PC-1"}}).practice_id == ""
