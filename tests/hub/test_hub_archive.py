"""The hub archives for the practice: one `enamel-hub serve` process, joined workstations.

The hub's archive is set with the real `enamel-admin archive set` on the hub's folder; its
"archive" job (app/hub/archive_job.py) forwards every stored chain with `put_new`, and the
hub's own trail through its own ArchiveSync. The tests share one office (a folder archive on a
"NAS" folder) and run in file order; the last test has a hub of its own on a moto S3 server.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from services.clock import TEST_EPOCH, ManualClock
from services.retry import pause
from tests.archive.conftest import ACCESS, REGION, SECRET, S3Server, s3  # noqa: F401 - fixture
from tests.hub.kit import PRACTICE, init_hub, invite
from tests.hub.test_hub_batches import (
    SEAL_AFTER,
    Office,
    append,
    client,
    local_head,
    stored,
    work,
    workstation_id,
)
from tests.hub.test_workstation_e2e import HUB_START, Hub, open_pc
from tests.support import admin, admin_process, admin_recovery, key_store, passphrase_from

pytestmark = pytest.mark.slow
T = TypeVar("T")


@dataclass
class ArchivedOffice(Office):
    nas: Path  # the share the hub's folder archive is on

    @property
    def archive(self) -> Path:
        return self.nas / "archive"


def tune(root: Path) -> None:
    """A round every second and the hub's own partial batch sealed at once (tests only)."""
    from services.archive.settings import SEAL_AFTER_MINUTES
    from services.hub.forward import FORWARD_EVERY
    from services.installation import open_installation
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(root), key_store(root))
    try:
        inst.settings.set(FORWARD_EVERY, "1", TEST_EPOCH)
        inst.settings.set(SEAL_AFTER_MINUTES, "0", TEST_EPOCH)
    finally:
        inst.close()


def until(check: Callable[[], T], what: str, seconds: float = 90) -> T:
    deadline = time.monotonic() + seconds  # a bound for a hung hub, not a measured time
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        pause(0.2)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchivedOffice]:
    base = tmp_path_factory.mktemp("archived")
    hub_root, pcs = base / "hub", [base / "pc1", base / "pc2"]
    passphrase = init_hub(hub_root)
    nas = base / "nas"
    made = admin_recovery("--data-dir", str(hub_root), "archive", "set", "folder",
                          str(nas / "archive"), passphrase=passphrase)  # fmt: skip
    assert made.code == 0, made.err
    tune(hub_root)
    hub = Hub(hub_root)
    hub.start()
    try:
        for i, pc in enumerate(pcs, 1):
            code = invite(hub_root, passphrase, f"PC-{i}")
            joined = admin_process("--data-dir", str(pc), "join", code, "--name", f"PC-{i}")
            assert joined.code == 0, joined.err
        clocks = [ManualClock(HUB_START) for _ in pcs]
        ids = [workstation_id(pc) for pc in pcs]
        yield ArchivedOffice(hub, passphrase, pcs, clocks, ids, nas)
    finally:
        hub.stop()


def status(office: Office) -> dict[str, Any]:
    answer: dict[str, Any] = client(office, 0).get("/v1/status/workstations")
    return answer


def rows(office: Office) -> dict[str, dict[str, Any]]:
    return {w["workstation_id"]: w for w in status(office)["workstations"]}


def archived_names(archive: Any, ws: str) -> list[str]:
    return [v.name for v in archive.versions(f"{PRACTICE}/{ws}/")]


def caught_up(office: Office) -> bool:
    return all(
        r["archive_backlog"] == 0 and r["archived_seq"] == r["last_seq"]
        for r in rows(office).values()
        if r["last_seq"]
    )


def public_key(pc: Path) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from services.installation import SIGNING_KEY, open_installation
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), key_store(pc))
    try:
        private = inst.secrets.require(SIGNING_KEY)
    finally:
        inst.close()
    return (
        Ed25519PrivateKey.from_private_bytes(private)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def hub_id(office: Office) -> str:
    from services.installation import open_installation
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(office.hub.root), key_store(office.hub.root))
    try:
        return inst.workstation_id
    finally:
        inst.close()


def hub_actions(office: Office) -> list[dict[str, Any]]:
    from tests.hub.kit import hub_entries

    return hub_entries(office.hub.root)


def test_batches_from_two_workstations_reach_the_archive_under_their_names(
    office: ArchivedOffice,
) -> None:
    from services.archive.backends import FolderBackend

    for i in (0, 1):
        assert work(office, i, 5) == "up to date at the hub"
    until(lambda: caught_up(office), "the hub to archive both chains")
    archive = FolderBackend(office.archive)
    for i in (0, 1):
        ws = office.ids[i]
        held = stored(office, ws)
        key = f"{PRACTICE}/{ws}/signing-key.pub"
        # The names a workstation syncing on its own would write, and nothing else.
        assert archived_names(archive, ws) == sorted([key, *(n for n, _, _ in held)])
        assert archive.get(key) == public_key(office.pcs[i])
        assert held[-1][2] == local_head(office.pcs[i])
        row = rows(office)[ws]
        assert row["archived_batch"] == held[-1][0].rsplit("/", 1)[1]
    # The hub's own trail (its invitations and joins) is archived beside them, under its id.
    own = until(lambda: archived_names(archive, hub_id(office)), "the hub's own trail")
    assert f"{PRACTICE}/{hub_id(office)}/signing-key.pub" in own and len(own) >= 2
    listed = admin("--data-dir", str(office.hub.root), "hub", "workstations")
    assert listed.code == 0, listed.err
    assert "ARCHIVED" in listed.out and "TO ARCHIVE" in listed.out
    assert "Practice archive: last success" in listed.out


def test_with_the_archive_unreachable_the_hub_keeps_everything_and_catches_up_without_a_gap(
    office: ArchivedOffice,
) -> None:
    from services.archive.backends import FolderBackend

    away = office.nas.with_name("nas.away")
    office.nas.rename(away)
    office.nas.write_text("the share is not mounted")
    try:
        for i in (0, 1):  # the workstations' batches still reach the hub
            assert work(office, i, 3) == "up to date at the hub"
        until(
            lambda: status(office)["archive"]["failures"] >= 1,
            "the hub's archive job to fail",
        )
        state = status(office)["archive"]
        assert state["last_error"] == "ArchiveUnavailable"  # the class, never a message
        for i in (0, 1):
            row = rows(office)[office.ids[i]]
            assert row["last_seq"] == local_head(office.pcs[i])
            assert row["archive_backlog"] > 0 and row["archived_seq"] < row["last_seq"]
    finally:
        office.nas.unlink()
        away.rename(office.nas)
    until(lambda: caught_up(office), "the hub to catch up")
    archive = FolderBackend(office.archive)
    for i in (0, 1):
        ws = office.ids[i]
        names = [n for n in archived_names(archive, ws) if not n.endswith(".pub")]
        spans = [tuple(int(s) for s in n.rsplit("/", 1)[1].split("-")) for n in names]
        assert spans[0][0] == 1 and spans[-1][1] == local_head(office.pcs[i])
        assert all(spans[n + 1][0] == spans[n][1] + 1 for n in range(len(spans) - 1))  # no gap
        assert names == [n for n, _, _ in stored(office, ws)]
    assert status(office)["archive"]["failures"] == 0


def _object_path(office: ArchivedOffice, name: str) -> Path:
    from services.archive.backends.folder import shard_of

    practice, ws, leaf = name.split("/")
    return office.archive / practice / ws / shard_of(int(leaf[:12])) / leaf


def test_verify_practice_checks_the_archive_and_names_an_altered_and_a_withheld_batch(
    office: ArchivedOffice,
) -> None:
    for _ in range(2):  # at least two batches of PC-2 (also when this test runs alone)
        assert work(office, 1, 2) == "up to date at the hub"
    until(lambda: caught_up(office), "the hub to archive everything")
    hub_root = str(office.hub.root)
    ok = admin("--data-dir", hub_root, "audit", "verify", "--practice")
    assert ok.code == 0, ok.out + ok.err
    ws = office.ids[1]
    held = stored(office, ws)
    last = held[-1][0].rsplit("/", 1)[1]
    assert f"archive: last batch {last} (seq {held[-1][2]}); the hub's head is level" in ok.out
    assert f"OK     {hub_id(office)} (the hub's own trail)" in ok.out
    name, first, end = held[1]
    path = _object_path(office, name)
    original = path.read_bytes()
    os.chmod(path, 0o644)
    path.write_bytes(original.replace(b'"signature":"', b'"signature":"AAAA', 1))
    altered = admin("--data-dir", hub_root, "audit", "verify", "--practice")
    assert altered.code == 1, altered.out
    span = f"{first:012d}-{end:012d}"
    assert f"FAILED {ws}" in altered.out and f"OK     {office.ids[0]}" in altered.out
    assert f"archive: {PRACTICE}/{ws}/{span}:" in altered.out
    path.unlink()  # withheld
    withheld = admin("--data-dir", hub_root, "audit", "verify", "--practice")
    assert withheld.code == 1
    assert f"FAILED {ws}" in withheld.out
    assert f"{ws}/{span}: missing from the archive (seqs {first}-{end}" in withheld.out
    path.write_bytes(original)
    os.chmod(path, 0o444)
    assert admin("--data-dir", hub_root, "audit", "verify", "--practice").code == 0


def test_an_altered_object_in_the_archive_is_a_tamper_alarm_and_the_cursor_stays(
    office: ArchivedOffice,
) -> None:
    from services.archive.backends import FolderBackend

    until(lambda: caught_up(office), "the hub to archive everything")
    ws = office.ids[0]
    before = rows(office)[ws]["archived_seq"]
    away = office.nas.with_name("nas.away")
    office.nas.rename(away)
    office.nas.write_text("the share is not mounted")
    try:
        assert work(office, 0, 2) == "up to date at the hub"
        name = stored(office, ws)[-1][0]
        # Someone writes other bytes under the name the hub is about to write.
        FolderBackend(away / "archive").put_new(name, b"not the workstation's batch", TEST_EPOCH)
    finally:
        office.nas.unlink()
        away.rename(office.nas)
    row = until(lambda: rows(office)[ws]["tamper_alarm"] and rows(office)[ws], "a tamper alarm")
    assert row["tamper_alarm"] == name and row["tamper_kind"] == "exists_different"
    seen = status(office)["archive"]["last_success"]
    until(lambda: status(office)["archive"]["last_success"] != seen, "another round")
    row = rows(office)[ws]
    assert row["archived_seq"] == before and row["archive_backlog"] > 0  # the cursor stays
    alarms = [e for e in hub_actions(office) if e["action"] == "archive_tamper_detected"]
    assert len(alarms) == 1 and alarms[0]["resource_id"] == name  # once, in the hub's trail
    # The other workstation's chain goes on.
    assert work(office, 1, 2) == "up to date at the hub"
    until(lambda: rows(office)[office.ids[1]]["archive_backlog"] == 0, "PC-2 archived")
    listed = admin("--data-dir", str(office.hub.root), "hub", "workstations")
    assert f"TAMPER ALARM {ws}: {name} (exists_different)" in listed.out


def test_a_stored_copy_altered_in_the_hub_s_database_never_reaches_the_archive(
    office: ArchivedOffice,
) -> None:
    from services.archive.backends import FolderBackend
    from tests.hub.test_hub_batches import _alter

    ws = office.ids[1]
    until(lambda: rows(office)[ws]["archive_backlog"] == 0, "PC-2 archived")
    before = rows(office)[ws]["archived_seq"]
    away = office.nas.with_name("nas.away")
    office.nas.rename(away)
    office.nas.write_text("the share is not mounted")
    try:
        assert work(office, 1, 2) == "up to date at the hub"
        name = stored(office, ws)[-1][0]
        _alter(office, name)  # someone with the hub's database key edits its copy
    finally:
        office.nas.unlink()
        away.rename(office.nas)
    row = until(lambda: rows(office)[ws]["tamper_alarm"] and rows(office)[ws], "a tamper alarm")
    assert row["tamper_alarm"] == name and row["tamper_kind"] == "hub_copy_altered"
    assert row["archived_seq"] == before
    assert FolderBackend(office.archive).get(name) is None  # the altered bytes were not written


def test_a_joined_workstation_refuses_archive_set(office: ArchivedOffice) -> None:
    folder = admin("--data-dir", str(office.pcs[0]), "archive", "set", "folder", "/tmp/x")
    assert folder.code == 2
    assert "the hub archives the audit trail for the whole practice" in folder.err
    keys = admin("--data-dir", str(office.pcs[0]), "archive", "set", "s3", "--endpoint",
               "https://s3.example.com", "--bucket", "b", "--keys-stdin",
               stdin="AKIA\nsecret\n")  # fmt: skip
    assert keys.code == 2 and "Nothing was changed." in keys.err


def _s3_secrets(pc: Path) -> tuple[bytes | None, bytes | None]:
    from services.archive.settings import S3_ACCESS_KEY, S3_SECRET_KEY
    from services.installation import open_installation
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), key_store(pc))
    try:
        return inst.secrets.get(S3_ACCESS_KEY), inst.secrets.get(S3_SECRET_KEY)
    finally:
        inst.close()


def _credentials_deleted(pc: Path) -> list[str]:
    """Why, per entry, the PC's trail says its archive credentials were deleted; each entry
    names both secrets and carries neither value."""
    import json

    from services.archive.settings import S3_ACCESS_KEY, S3_SECRET_KEY
    from services.installation import open_installation
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), key_store(pc))
    try:
        bodies = [str(r[0]) for r in inst.db.connection().execute("SELECT body FROM audit_log")]
    finally:
        inst.close()
    why = []
    for body in bodies:
        entry = json.loads(body)
        if entry["action"] != "archive_credentials_deleted":
            continue
        assert entry["resource_id"] == f"{S3_ACCESS_KEY},{S3_SECRET_KEY}"
        assert ACCESS not in body and SECRET not in body
        why.extend(f for f in entry["flags"] if f != "archive_credentials")
    return why


def _set_s3(root: Path, passphrase: str, url: str) -> None:
    made = admin_recovery("--data-dir", str(root), "archive", "set", "s3", "--endpoint", url,
                          "--bucket", "practice-archive", "--region", REGION, "--keys-stdin",
                          passphrase=passphrase, stdin=f"{ACCESS}\n{SECRET}\n")  # fmt: skip
    assert made.code == 0, made.err


def test_s3_the_hub_archives_and_joined_pcs_hold_no_s3_keys(
    s3: S3Server,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    from app.jobs_setup import archive_job
    from services.archive.backends import S3Backend
    from services.hub.join import fetch_ca, join

    s3.bucket("practice-archive")
    hub_root, solo, fresh = tmp_path / "hub", tmp_path / "solo", tmp_path / "fresh"
    passphrase = init_hub(hub_root)
    _set_s3(hub_root, passphrase, s3.url)
    tune(hub_root)
    # A PC that archived to the same bucket on its own, and one that never archived.
    pcs = []
    for pc in (solo, fresh):
        made = admin("--data-dir", str(pc), "init", "--practice-id", PRACTICE)
        assert made.code == 0, made.err
        _set_s3(pc, passphrase_from(made.out), s3.url)
        assert _s3_secrets(pc) == (ACCESS.encode(), SECRET.encode())
        pcs.append(pc)
    clock = ManualClock(HUB_START)
    services = open_pc(solo, clock)
    try:
        append(services, 6)
        clock.advance(SEAL_AFTER)
        assert archive_job(services).run() == "up to date"  # to the bucket, on its own
    finally:
        services.close()
    hub = Hub(hub_root)
    hub.start()
    try:
        for pc, name in ((solo, "PC-SOLO"), (fresh, "PC-FRESH")):
            code = invite(hub_root, passphrase, name)
            services = open_pc(pc, clock)
            try:
                join(services.installation, fetch_ca(code), name, clock)
            finally:
                services.close()
        assert _s3_secrets(fresh) == (None, None)  # nothing of its own to hand over
        assert _credentials_deleted(fresh) == ["at_join"]  # in its trail, not only its log
        assert _s3_secrets(solo)[0] is not None  # its earlier batches go to the hub first
        assert _credentials_deleted(solo) == []
        office = Office(hub, passphrase, [solo, fresh], [clock, ManualClock(HUB_START)],
                        [workstation_id(solo), workstation_id(fresh)])  # fmt: skip
        # Hand-over, then its new batch; the entry for the keys' deletion waits for the next.
        assert work(office, 0, 2) == "1 waiting"
        assert _s3_secrets(solo) == (None, None)
        assert _credentials_deleted(solo) == ["after_hand_over"]
        refused = admin("--data-dir", str(solo), "archive", "set", "s3", "--endpoint", s3.url,
                        "--bucket", "b", "--keys-stdin", stdin=f"{ACCESS}\n{SECRET}\n")  # fmt: skip
        assert refused.code == 2 and "the hub archives" in refused.err
        assert _s3_secrets(solo) == (None, None)
        until(lambda: caught_up(office), "the hub to archive to S3")
        bucket = S3Backend(s3.url, "practice-archive", REGION, ACCESS, SECRET)
        ws = office.ids[0]
        versions = bucket.versions(f"{PRACTICE}/{ws}/")
        names = [v.name for v in versions]
        assert len(names) == len(set(names))  # one version each: the same bytes were not rewritten
        held = [n for n, _, _ in stored(office, ws)]
        assert sorted(names) == sorted([f"{PRACTICE}/{ws}/signing-key.pub", *held])
        assert bucket.get(held[-1]) is not None
        ok = admin("--data-dir", str(hub_root), "audit", "verify", "--practice")
        assert ok.code == 0, ok.out + ok.err
    finally:
        hub.stop()
