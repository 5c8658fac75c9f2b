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
