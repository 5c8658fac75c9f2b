"""enamel-admin pms set and pms check against the simulator."""

from __future__ import annotations

from pathlib import Path

from services.pms.simulator import SimulatorServer
from tests.support import admin


def test_set_then_check(sim: SimulatorServer, data_dir: Path) -> None:
    root = str(data_dir)
    assert admin("--data-dir", root, "init", "--practice-id", "pms-cli").code == 0
    missing = admin("--data-dir", root, "pms", "check")
    assert missing.code == 1 and "not set up yet" in missing.err
    insecure = admin(
        "--data-dir",
        root,
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        "http://192.168.7.7:30223/api/v1",
    )
    assert insecure.code == 2 and "unencrypted" in insecure.err
    done = admin(
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
    )
    assert done.code == 0, done.err
    check = admin("--data-dir", root, "pms", "check")
    assert check.code == 0, check.out + check.err
    assert "4 providers visible" in check.out and "Open Dental 24.3.1.0" in check.out
    assert sim.developer_key not in check.out
    admin(
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
    )
    refused = admin("--data-dir", root, "pms", "check")
    assert refused.code == 1 and "refused Enamel's keys" in refused.out
