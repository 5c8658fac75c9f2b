"""enamel-admin pms set and pms check against the simulator."""

from __future__ import annotations

from pathlib import Path

from services.pms.simulator import SimulatorServer
from tests.support import admin, admin_recovery, passphrase_from


def test_set_then_check(sim: SimulatorServer, data_dir: Path) -> None:
    root = str(data_dir)
    init = admin("--data-dir", root, "init", "--practice-id", "pms-cli")
    assert init.code == 0
    passphrase = passphrase_from(init.out)
    missing = admin("--data-dir", root, "pms", "check")
    assert missing.code == 1 and "not set up yet" in missing.err
    insecure = admin_recovery(
        "--data-dir",
        root,
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        "http://192.168.7.7:30223/api/v1",
        passphrase=passphrase,
    )
    assert insecure.code == 2 and "unencrypted" in insecure.err
    done = admin_recovery(
        "--data-dir",
        root,
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        sim.url,
        "--keys-stdin",
        stdin=f"{sim.developer_key}\n{sim.customer_key}\n",
        passphrase=passphrase,
    )
    assert done.code == 0, done.err
    check = admin("--data-dir", root, "pms", "check")
    assert check.code == 0, check.out + check.err
    assert "4 providers visible" in check.out and "Open Dental 24.3.1.0" in check.out
    assert sim.developer_key not in check.out
    admin_recovery(
        "--data-dir",
        root,
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        sim.url,
        "--keys-stdin",
        stdin="wrong\nkeys\n",
        passphrase=passphrase,
    )
    refused = admin("--data-dir", root, "pms", "check")
    assert refused.code == 1 and "refused Enamel's keys" in refused.out


def test_usage_errors_exit_2_and_keys_are_never_echoed(
    sim: SimulatorServer, data_dir: Path
) -> None:
    root = str(data_dir)
    init = admin("--data-dir", root, "init", "--practice-id", "pms-cli-2")
    assert init.code == 0
    passphrase = passphrase_from(init.out)
    no_url = admin_recovery(
        "--data-dir", root, "pms", "set", "--mode", "url", passphrase=passphrase
    )
    assert no_url.code == 2 and "--url" in no_url.err
    too_big = admin_recovery(
        "--data-dir",
        root,
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        sim.url,
        "--page-size",
        "5000",
        passphrase=passphrase,
    )
    assert too_big.code == 2
    no_keys = admin_recovery(
        "--data-dir", root, "pms", "set", "--mode", "url", "--url", sim.url, "--keys-stdin",
        stdin="only-one-line\n", passphrase=passphrase,
    )  # fmt: skip
    assert no_keys.code == 2
    allowed = admin_recovery(
        "--data-dir", root, "pms", "set", "--mode", "service", "--host", "od-server",
        "--allow-http-host", "od-server", "--keys-stdin",
        stdin="dev-secret-123\ncust-secret-456\n", passphrase=passphrase,
    )  # fmt: skip
    assert allowed.code == 0, allowed.err
    assert "http://od-server:30223/api/v1" in allowed.out
    done = admin_recovery(
        "--data-dir", root, "pms", "set", "--mode", "url", "--url", sim.url, "--page-size", "100",
        "--keys-stdin", stdin=f"{sim.developer_key}\n{sim.customer_key}\n", passphrase=passphrase,
    )  # fmt: skip
    assert done.code == 0
    check = admin("--data-dir", root, "pms", "check")
    assert check.code == 0 and "Clock:" in check.out and "Key age:" in check.out
    for secret in ("dev-secret-123", "cust-secret-456", sim.developer_key, sim.customer_key):
        assert secret not in check.out + check.err + done.out + done.err + allowed.out
    sim.stop()
    down = admin("--data-dir", root, "pms", "check")
    assert down.code == 1 and "FAILED" in down.out


def test_a_practice_with_clinics_sends_its_clinicnum(data_dir: Path) -> None:
    """'pms set --clinic N' (a multi-clinic practice): the client the app builds lists and
    books with ClinicNum, read back from a multi-clinic simulator."""
    from datetime import datetime, time, timedelta

    from app.pms_setup import pms_client
    from services.access import Purpose
    from services.clock import ManualClock
    from services.installation import open_installation
    from services.pms.simulator import SyntheticPractice
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout
    from tests.pms.conftest import TODAY

    practice = SyntheticPractice(
        today=TODAY, clock=ManualClock(), patients_count=200, multi_clinic=True
    )
    sim = SimulatorServer(practice, page_size=1000).start()
    root = str(data_dir)
    try:
        init = admin("--data-dir", root, "init", "--practice-id", "pms-clinic")
        passphrase = passphrase_from(init.out)
        bad = admin_recovery(
            "--data-dir", root, "pms", "set", "--mode", "url", "--url", sim.url,
            "--clinic", "-1", passphrase=passphrase,
        )  # fmt: skip
        assert bad.code == 2 and "ClinicNum" in bad.err
        done = admin_recovery(
            "--data-dir", root, "pms", "set", "--mode", "url", "--url", sim.url,
            "--clinic", "2", "--keys-stdin",
            stdin=f"{sim.developer_key}\n{sim.customer_key}\n", passphrase=passphrase,
        )  # fmt: skip
        assert done.code == 0, done.err
        installation = open_installation(DataLayout(Path(root)), KeyringKeyStore())
        client = pms_client(installation)
        try:
            tuesday = TODAY + timedelta(days=1)
            listed = client.appointments(Purpose.APPOINTMENT_CONFLICTS, tuesday, tuesday)
            assert listed and {practice.appointments[a.apt_num]["ClinicNum"] for a in listed} == {2}
            client.asap_list(Purpose.WAITLIST)  # refused without ClinicNum here
            pat = next(iter(practice.patients))
            made = client.create_appointment(pat, datetime.combine(tuesday, time(7)), 1)
            assert practice.appointments[made]["ClinicNum"] == 2  # not Op 1's own clinic
        finally:
            client.close()
            installation.db.close()
    finally:
        sim.stop()
