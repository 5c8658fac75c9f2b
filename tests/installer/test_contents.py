"""What the installers put on a practice PC: the program and its files, nothing of the demo.

Fast checks of the scripts themselves (the .deb's file list, the NSIS script's commands, the
bundle's data); tests/installer/test_package.py builds and runs them, slowly.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


def test_the_deb_holds_the_bundle_links_menu_entry_icons_and_examples_only() -> None:
    script = (INSTALLER / "build_linux.sh").read_text()
    placed = set(re.findall(r"^(?:cp -a|install -m \d+|ln -s) (\S+)", script, re.MULTILINE))
    assert placed == {
        "dist/enamel",
        "../../opt/enamel/enamel",
        "../../opt/enamel/enamel-admin",
        "installer/linux/enamel.desktop",
        "resources/enamel.svg",
        "resources/enamel.png",
        "installer/enamel-provision.example.toml",
        "installer/enamel-provision.example.json",
    }
    # No maintainer script (postinst...) that could start the program or make a data folder.
    assert re.findall(r"DEBIAN/(\w+)", script) == ["control"]
    assert "demo" not in script.lower()
    desktop = (INSTALLER / "linux" / "enamel.desktop").read_text()
    assert re.findall(r"^Exec=(.*)$", desktop, re.MULTILINE) == ["/usr/bin/enamel"]


def test_the_windows_installer_runs_provision_and_the_self_test_only() -> None:
    script = (INSTALLER / "windows" / "enamel.nsi").read_text()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith(";"))
    assert "demo" not in code.lower()
    runs = re.findall(r"^\s*(?:nsExec::\w+|Exec\w*)\s+(.*)$", code, re.MULTILINE)
    assert runs == [
        """'"$INSTDIR\\enamel-admin.exe" $R3 provision "$Provision" $R2 $DeleteProvision'""",
        """'"$INSTDIR\\enamel.exe" $R3 --self-test'""",
    ]
    shortcuts = re.findall(r"^\s*CreateShortCut\s+(.*)$", code, re.MULTILINE)
    assert shortcuts == [
        '"$SMPROGRAMS\\${APP}.lnk" "$INSTDIR\\enamel.exe" "" "$INSTDIR\\enamel.exe" 0'
    ]
    assert not re.findall(r"^\s*CreateDirectory\b", code, re.MULTILINE)  # the app makes its own


@pytest.mark.parametrize("name", ["enamel-provision.example.toml", "enamel-provision.example.json"])
def test_the_shipped_examples_are_a_practice_not_the_demo(name: str) -> None:
    text = (INSTALLER / name).read_text().lower()
    for demo_value in ("demo", "127.0.0.1", "localhost", "simulator"):
        assert demo_value not in text, demo_value


def test_the_bundle_carries_no_demo_data() -> None:
    spec = (INSTALLER / "enamel.spec").read_text()
    assert re.findall(r"for package in \(([^)]*)\)", spec) == ['"storage.migrations", "resources"']
    shipped = [p for p in (ROOT / "resources").rglob("*") if p.is_file()]
    assert shipped and not [p for p in shipped if "demo" in p.name.lower()]


def test_the_self_test_the_installers_run_makes_no_demo_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As NSIS runs it (--self-test, ENAMEL_DATA_DIR set, no --demo), after provisioning."""
    from tests.support import admin_process

    data = tmp_path / "Enamel Data"
    made = admin_process("--data-dir", str(data), "init", "--practice-id", "smile-dental-01")
    assert made.code == 0, made.err
    from app import selftest

    monkeypatch.setenv("ENAMEL_DATA_DIR", str(data))
    selftest.run_self_test(None)
    assert not (data / "demo").exists()
    assert sorted(p.name for p in data.iterdir() if p.is_dir()) == ["logs"]
