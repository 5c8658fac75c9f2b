"""An archive that accepts and never answers holds up neither the hub's requests nor its job.

The hub's S3 archive is a plain TCP server on 127.0.0.1 that accepts every connection and never
sends a byte. The hub's archive job (app/hub/archive_job.py) gets stuck on its first call there;
meanwhile a workstation's `POST /v1/batches` (its own archive job) and a sign-in checked by the
hub (`enamel-admin hub check`, its own process) complete while that call is still pending, which
the hanging server itself tells (the connection is open, the hub has not given up on it). Then
the call's timeout (`archive.s3.timeout_seconds`) ends it, the round fails visibly
(`ArchiveUnavailable` in the status) and the job goes on with its next round.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.clock import TEST_EPOCH, ManualClock
from tests.hub.kit import init_hub, invite
from tests.hub.test_hub_archive import status, tune, until
from tests.hub.test_hub_batches import Office, stored, work, workstation_id
from tests.hub.test_workstation_e2e import HUB_START, Hub, check
from tests.support import admin_process, admin_recovery, key_store, person_via_cli

pytestmark = pytest.mark.slow

# Long against a request to the hub, so the stuck call is surely still pending when the
# requests made meanwhile are answered; the server's state, not this number, is asserted.
TIMEOUT_SECONDS = 15


class HangingServer:
    """Accepts every connection, reads whatever comes, answers nothing; notes each close."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        self._lock = threading.Lock()
        self.accepted = 0
        self.closed: set[int] = set()  # connections (by order of arrival) the client closed
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                number = self.accepted
                self.accepted += 1
                self._conns.append(conn)
            threading.Thread(target=self._hold, args=(conn, number), daemon=True).start()

    def _hold(self, conn: socket.socket, number: int) -> None:
        try:
            while conn.recv(65536):
                pass  # the request arrives; no answer ever goes back
        except OSError:
            pass
        with self._lock:
            self.closed.add(number)

    def pending(self, number: int) -> bool:
        with self._lock:
            return number < self.accepted and number not in self.closed

    def close(self) -> None:
        self._sock.close()
        with self._lock:
            for conn in self._conns:
                conn.close()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    try:
        yield server
    finally:
        server.close()


def _set_timeout(root: Path) -> None:
    from services.archive.settings import S3_TIMEOUT_SECONDS
    from services.installation import open_installation
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(root), key_store(root))
    try:
        inst.settings.set(S3_TIMEOUT_SECONDS, str(TIMEOUT_SECONDS), TEST_EPOCH)
    finally:
        inst.close()


def test_a_hanging_archive_holds_up_no_request_and_the_stuck_call_times_out(
    hanging: HangingServer, tmp_path: Path
) -> None:
    hub_root, pc = tmp_path / "hub", tmp_path / "pc1"
    passphrase = init_hub(hub_root)
    made = admin_recovery("--data-dir", str(hub_root), "archive", "set", "s3", "--endpoint",
                          f"http://127.0.0.1:{hanging.port}", "--bucket", "practice-archive",
                          "--keys-stdin", passphrase=passphrase,
                          stdin="AKIAEXAMPLE\nexample-secret\n")  # fmt: skip
    assert made.code == 0, made.err
    tune(hub_root)
    _set_timeout(hub_root)
    dana = person_via_cli(hub_root, passphrase, "dana", "front_desk",
                          ManualClock(TEST_EPOCH + timedelta(minutes=1)))  # fmt: skip
    hub = Hub(hub_root)
    hub.start()
    try:
        # The hub's archive job is stuck on its first call to the archive.
        until(lambda: hanging.pending(0), "the hub's archive job to call the archive")
        code = invite(hub_root, passphrase, "PC-1")
        joined = admin_process("--data-dir", str(pc), "join", code, "--name", "PC-1")
        assert joined.code == 0, joined.err
        office = Office(hub, passphrase, [pc], [ManualClock(HUB_START)], [workstation_id(pc)])
        assert work(office, 0, 3) == "up to date at the hub"  # POST /v1/batches answered
        signed_in = check(pc, dana)  # a sign-in the hub checks (password, then code)
        assert signed_in.code == 0, signed_in.err
        assert "Practice hub: connected" in signed_in.out
        assert stored(office, office.ids[0])
        # All of that while the hub's call to the archive is still waiting for an answer.
        assert hanging.pending(0)
        assert status(office)["archive"]["last_success"] is None

        # The call's timeout ends it: the round fails visibly, and the job goes on.
        until(lambda: 0 in hanging.closed, "the stuck archive call to time out", seconds=120)
        until(
            lambda: status(office)["archive"]["last_error"] == "ArchiveUnavailable",
            "the failed round in the hub's status",
            seconds=120,
        )
        tried = hanging.accepted
        until(lambda: hanging.accepted > tried, "the job's next round", seconds=120)
    finally:
        hub.stop()
