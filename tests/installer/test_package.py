"""Build the bundle and the .deb, install it under a temporary root, run the installed copy.

Slow (about two minutes on two cores): PyInstaller, dpkg-deb, makensis. Skipped, with the
reason, when PyInstaller (the [build] extra) or dpkg-deb is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import passphrase_from

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "enamel"
SCREENSHOT = ROOT / "docs" / "screenshots" / "installed-demo.png"


def run(cmd: list[str], env: dict[str, str] | None = None, timeout: int = 600, stdin: str = ""):  # type: ignore[no-untyped-def]
    return subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT
    )


@pytest.fixture(scope="module")
def deb() -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed: pip install -e '.[build]' (scripts/test does)")
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not available (Debian/Ubuntu only)")
    env = dict(os.environ, ENAMEL_VENV=sys.prefix, ENAMEL_DEB_COMPRESSION="gzip")
    started = time.monotonic()
    built = run(["bash", "installer/build_linux.sh"], env=env, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    print(f"\nbuild: {time.monotonic() - started:.0f} s\n{built.stdout.strip()}")
    debs = sorted((ROOT / "dist").glob("enamel_*.deb"), key=lambda p: p.stat().st_mtime)
    assert debs, built.stdout
    return debs[-1]


@pytest.fixture(scope="module")
def installed(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package unpacked into a fresh root, as dpkg would install it (no container)."""
    root = tmp_path_factory.mktemp("root")
    done = run(["dpkg-deb", "-x", str(deb), str(root)])
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def installed_env(tmp_path: Path) -> dict[str, str]:
    """A headless machine: no Secret Service, so the bundled plaintext backend is named explicitly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_", "ENAMEL_"))}
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env["XDG_DATA_HOME"] = str(tmp_path / "keyring-home")
    env["HOME"] = str(tmp_path / "home")
    return env


def test_package_metadata(deb: Path) -> None:
    info = run(["dpkg-deb", "--info", str(deb)])
    assert info.returncode == 0, info.stderr
    for dep in ("libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libxcb-icccm4"):
        assert dep in info.stdout
    listing = run(["dpkg-deb", "--contents", str(deb)]).stdout
    for path in (
        "./opt/enamel/enamel",
        "./opt/enamel/enamel-admin",
        "./usr/bin/enamel -> ../../opt/enamel/enamel",
        "./usr/bin/enamel-admin -> ../../opt/enamel/enamel-admin",
        "./opt/enamel/enamel-hub",
        "./usr/bin/enamel-hub -> ../../opt/enamel/enamel-hub",
        "./usr/lib/systemd/system/enamel-hub.service",
        "./usr/share/applications/enamel.desktop",
        "./usr/share/icons/hicolor/scalable/apps/enamel.svg",
        "./usr/share/icons/hicolor/256x256/apps/enamel.png",
    ):
        assert path in listing, path
    assert all(" root/root " in line for line in listing.splitlines() if line.strip()), (
        "files must belong to root (--root-owner-group)"
    )
    # The maintainer scripts that make the hub's user; none enables the hub (test_contents.py).
    for script in ("postinst", "prerm", "postrm"):
        assert re.search(rf"^\s+\d+ bytes,\s+\d+ lines\s+\*\s+{script}\b", info.stdout, re.M), (
            script
        )


def test_bundle_holds_what_it_needs_and_nothing_else(deb: Path) -> None:
    internal = BUNDLE / "_internal"
    assert sorted(p.name for p in (internal / "storage" / "migrations").glob("*.sql"))
    assert (internal / "resources" / "style.qss").is_file()
    assert (internal / "resources" / "common_passwords.txt").is_file()
    assert list((internal / "keyring-25.7.0.dist-info").glob("entry_points.txt")) or list(
        internal.glob("keyring-*.dist-info")
    )
    plugins = internal / "PySide6" / "Qt" / "plugins"
    assert (plugins / "platforms" / "libqxcb.so").is_file()
    assert (plugins / "platforms" / "libqoffscreen.so").is_file()
    assert not (plugins / "platforms" / "libqwayland.so").exists()
    assert not (plugins / "platformthemes" / "libqgtk3.so").exists()
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("tkinter", "_tkinter", "pytest", "moto", "hypothesis", "mypy", "qml"):
        assert not any(n == unwanted or n.startswith(unwanted + ".") for n in names), unwanted
    assert not any("Qt6Quick" in n or "Qt6Qml" in n or "WebEngine" in n for n in names)
    assert not [p for p in BUNDLE.rglob("*") if p.is_symlink() and not p.exists()]
    # The hub extra: aiohttp with its compiled parts, for enamel-hub.
    assert list((internal / "aiohttp").glob("_http_parser*.so")), "aiohttp is not in the bundle"
    for package in ("multidict", "yarl", "frozenlist", "propcache"):  # the compiled ones
        assert list((internal / package).glob("*.so")), package
    assert (BUNDLE / "enamel-hub").is_file()
    models = {p.name for p in (internal / "botocore" / "data").iterdir() if p.is_dir()}
    assert models <= {"s3", "sts"}
    files = [p for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink()]
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"\nbundle size: {size_mb:.0f} MB")
    assert size_mb < 200


def test_installed_copy_initialises_provisions_and_passes_self_test(
    installed: Path, installed_env: dict[str, str], tmp_path: Path
) -> None:
    admin = str(installed / "usr" / "bin" / "enamel-admin")
    enamel = str(installed / "usr" / "bin" / "enamel")
    data = tmp_path / "data"
    init = run([admin, "--data-dir", str(data), "init", "--practice-id", "pkg-test"], installed_env)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "RECOVERY PASSPHRASE" in init.stdout
    started = time.monotonic()
    test = run([enamel, "--self-test", "--data-dir", str(data)], installed_env, timeout=60)
    elapsed = time.monotonic() - started
    print(f"\ninstalled self-test: {elapsed:.2f} s\n{test.stdout}")
    assert test.returncode == 0, test.stdout + test.stderr
    assert "(bundle, linux)" in test.stdout
    assert "[ok]    qt:" in test.stdout and "[ok]    database:" in test.stdout
    assert "keyrings.alt.file.PlaintextKeyring" in test.stdout
    assert elapsed < 15

    provision = tmp_path / "enamel-provision.json"
    provision.write_text(
        json.dumps(
            {
                "practice_id": "pkg-test",
                "idle_lock_minutes": 12,
                "archive": {"backend": "folder", "path": str(tmp_path / "archive")},
                "pms": {
                    "mode": "url",
                    "url": "https://od.example.invalid/api/v1",
                    "developer_key": "dev-secret-1",
                    "customer_key": "cust-secret-2",
                },
            }
        )
    )
    # The installation exists: changing it takes IT, here the recovery passphrase (issue 15.1).
    passphrase = passphrase_from(init.stdout)
    applied = run(
        [
            admin,
            "--data-dir",
            str(data),
            "provision",
            str(provision),
            "--recovery-passphrase-stdin",
        ],
        installed_env,
        stdin=passphrase + "\n",
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "dev-secret-1" not in provision.read_text()
    (tmp_path / "archive").mkdir()
    again = run([enamel, "--self-test", "--data-dir", str(data)], installed_env, timeout=60)
    # The PMS address does not resolve: a FAIL line for the PMS, and exit 1.
    assert again.returncode == 1, again.stdout
    # The archive folder is on the data's disk: a warning that says why, not a failure.
    assert "[FAIL]  pms:" in again.stdout and "[warn]  archive:" in again.stdout
    assert "same disk as the data" in again.stdout


def test_installed_copy_without_a_credential_store_says_how_to_fix_it(
    installed: Path, installed_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(installed_env)
    del env["PYTHON_KEYRING_BACKEND"]
    env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
    test = run([str(installed / "usr/bin/enamel"), "--self-test", "--data-dir", str(tmp_path)], env)
    assert test.returncode == 1
    assert "[FAIL]  credential store:" in test.stdout and "PYTHON_KEYRING_BACKEND" in test.stdout


def screenshot_installed(installed: Path, name: str, args: list[str], env: dict[str, str]) -> Path:
    """Run the installed `enamel` under Xvfb, grab its first window into build/screenshots/NAME.

    With ENAMEL_UPDATE_SCREENSHOTS set, the picture is also copied into docs/screenshots/.
    """
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    out = ROOT / "build" / "screenshots" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    grab = ROOT / "tests" / "installer" / "grab_screen.py"
    shot = run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1366x768x24",
            sys.executable,
            str(grab),
            str(out),
            "90",
            str(installed / "usr" / "bin" / "enamel"),
            *args,
        ],
        env,
        timeout=180,
    )
    assert shot.returncode == 0, shot.stderr[-3000:]
    if os.environ.get("ENAMEL_UPDATE_SCREENSHOTS"):
        shutil.copyfile(out, ROOT / "docs" / "screenshots" / name)
    return out


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTHON_KEYRING"))}


def test_installed_demo_window_screenshot(installed: Path, tmp_path: Path) -> None:
    out = screenshot_installed(
        installed, SCREENSHOT.name, ["--demo", "--data-dir", str(tmp_path / "demo")], clean_env()
    )
    assert out.stat().st_size > 10_000


def test_windows_installer_compiles_against_a_stand_in_payload(tmp_path: Path) -> None:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed: pip install -e '.[build]' (scripts/test does)")
    payload = tmp_path / "enamel"
    (payload / "_internal").mkdir(parents=True)
    for name in ("enamel.exe", "enamel-admin.exe", "enamel-hub.exe", "_internal/python311.dll"):
        (payload / name).write_bytes(b"MZ stand-in")
    out = tmp_path / "enamel-setup.exe"
    built = run(["bash", "installer/build_windows.sh", str(payload), str(out)])
    if built.returncode != 0 and shutil.which("makensis") is None:
        pytest.skip(f"makensis is not installed and could not be installed: {built.stderr[-500:]}")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert out.read_bytes()[:2] == b"MZ"
    # Stored uncompressed, the compiled installer shows what it will do: the hub's section on
    # the components page, its /HUB=1 option and the service it registers.
    plain = tmp_path / "enamel-setup-plain.exe"
    env = dict(os.environ, ENAMEL_NSIS_NOCOMPRESS="1")
    built = run(["bash", "installer/build_windows.sh", str(payload), str(plain)], env=env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    compiled = plain.read_bytes()
    for text in (
        "This PC is the practice hub",
        "/HUB=1",
        "EnamelHub",
        "--windows-service serve --data-dir",
        "\\enamel-hub.exe",
        "binPath=",
        "start= auto",
        "advfirewall firewall add rule",
    ):
        assert text.encode("utf-16-le") in compiled, text


def test_installed_first_run_wizard_screenshot(installed: Path, tmp_path: Path) -> None:
    """A PC with no installation yet: the installed `enamel` opens the first-run wizard."""
    env = clean_env()
    env.update(
        {
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "XDG_DATA_HOME": str(tmp_path / "keyring-home"),
        }
    )
    out = screenshot_installed(
        installed, "installed-first-run.png", ["--data-dir", str(tmp_path / "new-office")], env
    )
    assert out.stat().st_size > 5_000
    # Nothing is created until the wizard runs.
    assert not (tmp_path / "new-office" / "enamel.db").exists()


HUB_UNIT = "usr/lib/systemd/system/enamel-hub.service"


def unit_values(installed: Path, key: str) -> list[str]:
    text = (installed / HUB_UNIT).read_text()
    return re.findall(rf"^{key}=(.*)$", text, re.MULTILINE)


def test_installed_hub_unit_is_hardened_and_verifies(installed: Path, tmp_path: Path) -> None:
    assert unit_values(installed, "User") == ["enamel-hub"]
    assert unit_values(installed, "Restart") == ["on-failure"]
    assert unit_values(installed, "ProtectSystem") == ["strict"]
    assert unit_values(installed, "ReadWritePaths") == ["/var/lib/enamel-hub"]
    assert unit_values(installed, "NoNewPrivileges") == ["yes"]
    assert unit_values(installed, "PrivateTmp") == ["yes"]
    assert unit_values(installed, "WantedBy") == ["multi-user.target"]
    if shutil.which("systemd-analyze") is None:
        pytest.skip(
            "systemd-analyze is not installed (Debian's systemd package; scripts/test installs it)"
        )
    # systemd-analyze checks that ExecStart's program exists: the copy names it under the
    # installed root; nothing else is changed.
    unit = tmp_path / "enamel-hub.service"
    unit.write_text(
        (installed / HUB_UNIT)
        .read_text()
        .replace("ExecStart=/usr/bin/", f"ExecStart={installed}/usr/bin/")
    )
    verified = run(["systemd-analyze", "verify", str(unit)])
    assert verified.returncode == 0 and not (verified.stdout + verified.stderr).strip(), (
        verified.stdout + verified.stderr
    )
    security = run(["systemd-analyze", "security", "--offline=true", str(unit)])
    if security.returncode == 0 or "Overall exposure level" in security.stdout:
        level = float(re.findall(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)[0])
        print(f"\nsystemd exposure level: {level}")
        assert level < 4.0, security.stdout[-2000:]


def _tls_get(port: int, path: str) -> tuple[str, int, bytes]:
    """A request without a client certificate; the TLS version, the status and the body."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the CA comes from this very answer (GET /v1/ca)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
        version = tls.version() or ""
    head, _, body = data.partition(b"\r\n\r\n")
    return version, int(head.split()[1]), body


def test_installed_hub_starts_from_its_units_exec_start(
    installed: Path, installed_env: dict[str, str], tmp_path: Path
) -> None:
    """The unit's own command line, run as a process on a folder the installed enamel-admin made."""
    if importlib.util.find_spec("app.hub") is None:
        pytest.skip("app/hub (enamel-hub serve) is not in this tree yet")
    (exec_start,) = unit_values(installed, "ExecStart")
    argv = shlex.split(exec_start)
    assert argv[:2] == ["/usr/bin/enamel-hub", "serve"], exec_start
    (state_dir,) = unit_values(installed, "ReadWritePaths")
    assert argv[argv.index("--data-dir") + 1] == state_dir
    data = tmp_path / "var-lib-enamel-hub"
    admin = str(installed / "usr" / "bin" / "enamel-admin")
    made = run(
        [admin, "hub", "init", "--data-dir", str(data), "--practice-id", "pkg-hub"], installed_env
    )
    assert made.returncode == 0, made.stdout + made.stderr
    # The same line with the installed root in front of the program and the folder; on this
    # test machine the hub listens on 127.0.0.1 and a free port (a drop-in would do the same).
    argv[0] = str(installed / argv[0].lstrip("/"))
    argv[argv.index("--data-dir") + 1] = str(data)
    if "--host" in argv:
        argv[argv.index("--host") + 1] = "127.0.0.1"
    argv += ["--port", "0"]
    env = dict(installed_env)
    for value in unit_values(installed, "Environment"):
        name, _, setting = value.partition("=")
        env[name] = setting.replace(state_dir, str(data))
    hub = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=data
    )
    try:
        assert hub.stdout is not None
        line = hub.stdout.readline()
        assert line.startswith("listening https://127.0.0.1:"), line + (
            hub.stderr.read() if hub.poll() is not None and hub.stderr else ""
        )
        port = int(line.rsplit(":", 1)[1])
        version, status, body = _tls_get(port, "/v1/ca")
        assert version == "TLSv1.3"
        assert status == 200 and json.loads(body)["ca_pem"].startswith("-----BEGIN CERTIFICATE")
        # Everything else wants a workstation's certificate.
        _, status, body = _tls_get(port, "/v1/health")
        assert status == 401 and json.loads(body)["error"] == "certificate_required"
        # systemd stops a unit with SIGTERM: the hub ends cleanly (Restart=on-failure: no restart).
        hub.send_signal(signal.SIGTERM)
        assert hub.wait(timeout=20) == 0
    finally:
        if hub.poll() is None:
            hub.kill()
            hub.wait()
