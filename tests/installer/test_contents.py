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


def test_the_deb_holds_the_bundle_links_menu_entry_icons_examples_and_hub_unit_only() -> None:
    script = (INSTALLER / "build_linux.sh").read_text()
    placed = set(re.findall(r"^\s*(?:cp -a|install -m \d+|ln -s) (\S+)", script, re.MULTILINE))
    assert placed == {
        "dist/enamel",
        "../../opt/enamel/enamel",
        "../../opt/enamel/enamel-admin",
        "../../opt/enamel/enamel-hub",
        "installer/linux/enamel.desktop",
        "resources/enamel.svg",
        "resources/enamel.png",
        "installer/enamel-provision.example.toml",
        "installer/enamel-provision.example.json",
        "README.md",
        "installer/linux/enamel-hub.service",
        '"installer/linux/$script"',
    }
    assert re.findall(r"DEBIAN/(\w+)", script) == ["control"]
    assert re.findall(r"^for script in (.*); do$", script, re.MULTILINE) == [
        "postinst prerm postrm"
    ]
    assert "demo" not in script.lower()
    desktop = (INSTALLER / "linux" / "enamel.desktop").read_text()
    assert re.findall(r"^Exec=(.*)$", desktop, re.MULTILINE) == ["/usr/bin/enamel"]


def test_the_maintainer_scripts_never_enable_or_start_the_hub() -> None:
    """A workstation-only PC must not run the hub: IT enables it on the office server."""
    calls = {}
    for name in ("postinst", "prerm", "postrm"):
        text = (INSTALLER / "linux" / name).read_text()
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        calls[name] = re.findall(r"systemctl\s+(?:--system\s+)?([\w-]+)", code)
    assert calls == {
        "postinst": ["daemon-reload", "try-restart"],
        "prerm": ["stop", "disable"],
        "postrm": ["daemon-reload"],
    }
    unit = (INSTALLER / "linux" / "enamel-hub.service").read_text()
    assert re.findall(r"^ExecStart=(.*)$", unit, re.MULTILINE) == [
        "/usr/bin/enamel-hub serve --data-dir /var/lib/enamel-hub --host 0.0.0.0"
    ]
    assert re.findall(r"^User=(.*)$", unit, re.MULTILINE) == ["enamel-hub"]


def _nsis_code() -> str:
    script = (INSTALLER / "windows" / "enamel.nsi").read_text()
    return "\n".join(line for line in script.splitlines() if not line.lstrip().startswith(";"))


def _block(code: str, start: str, end: str) -> str:
    match = re.search(rf"^{re.escape(start)}.*?^{end}$", code, re.MULTILINE | re.DOTALL)
    assert match, start
    return match.group(0)


def test_the_windows_installer_runs_provision_the_self_test_and_the_hub_service_only() -> None:
    code = _nsis_code()
    assert "demo" not in code.lower()
    runs = re.findall(r"^\s*(?:nsExec::\w+|Exec\w*)\s+(.*)$", code, re.MULTILINE)
    assert [r for r in runs if "$INSTDIR" in r.split()[0]] == [
        """'"$INSTDIR\\enamel-admin.exe" $R3 provision "$Provision" $R2 $DeleteProvision'""",
        """'"$INSTDIR\\enamel.exe" $R3 --self-test'""",
    ]
    # Everything else is Windows' own service and firewall tools, about the hub only.
    others = [r for r in runs if "$INSTDIR" not in r.split()[0]]
    tools = {re.findall(r"\\(\w+\.exe)\"", r)[0] for r in others}
    assert tools == {"sc.exe", "net.exe", "netsh.exe", "taskkill.exe"}
    # taskkill ends only the hub's own process, and only while uninstalling.
    kills = [r for r in others if "taskkill.exe" in r]
    uninstall = _block(code, 'Section "un.Enamel" UnSecMain', "SectionEnd")
    assert kills and all(
        r == """'"$SYSDIR\\taskkill.exe" /F /T /IM enamel-hub.exe'""" for r in kills
    )
    assert all(r in uninstall for r in kills)
    others = [r for r in others if "taskkill.exe" not in r]
    assert all("${HUB_SERVICE}" in r or "${HUB_FIREWALL_RULE}" in r for r in others)
    # The service is created, configured and started only by the hub's own section.
    hub = _block(code, 'Section /o "This PC is the practice hub" SecHub', "SectionEnd")
    for verb in ("create", "config", "start", "failure"):
        made = [r for r in others if re.search(rf"sc\.exe\" {verb} \$\{{HUB_SERVICE\}}", r)]
        assert made and all(r in hub for r in made), verb
    assert "firewall add rule" in hub and code.count("firewall add rule") == 1
    assert "delete ${HUB_SERVICE}" in uninstall and "firewall delete rule" in uninstall


def test_the_hub_service_runs_the_installed_hub_with_its_paths_quoted() -> None:
    code = _nsis_code()
    hub = _block(code, 'Section /o "This PC is the practice hub" SecHub', "SectionEnd")
    # sc.exe's own quoting: \" inside binPath keeps "C:\Program Files\..." one argument.
    assert (
        """StrCpy $R1 '\\"$INSTDIR\\enamel-hub.exe\\" --windows-service serve --data-dir \\"$R0\\"'"""
        in hub
    )
    assert 'binPath= "$R1" start= auto' in hub
    # /HUB=1 and /HUB=0 are read with the other options and choose the section.
    on_init = _block(code, "Function .onInit", "FunctionEnd")
    assert '${ElseIf} $Token == "/HUB=1"' in on_init and "Call ChooseHub" in on_init
    choose = _block(code, "Function ChooseHub", "FunctionEnd")
    assert "!insertmacro SelectSection ${SecHub}" in choose
    assert "!insertmacro MUI_PAGE_COMPONENTS" in code
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
