"""What sync asks of a real S3 server (moto on 127.0.0.1): one PUT per batch once the bucket has
shown it honours If-None-Match, and a read-back whenever that is not known."""

from __future__ import annotations

from typing import Any

import pytest

from app.archive_setup import archive_sync
from app.bootstrap import Services
from services.archive.backends import S3Backend
from services.archive.backends.base import ArchiveUnavailable
from services.archive.batch import public_key_name
from tests.archive.conftest import ACCESS, REGION, SECRET, S3Server, add_entries, verify


class Requests:
    """Every S3 operation a backend's client sends, with its key: (operation, key)."""

    def __init__(self, backend: S3Backend) -> None:
        self.sent: list[tuple[str, str]] = []
        backend._client.meta.events.register("before-parameter-build.s3", self._note)

    def _note(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.sent.append((model.name, str(params.get("Key", ""))))

    def named(self, operation: str) -> list[str]:
        return [key for op, key in self.sent if op == operation]


def fresh_process(s3: S3Server, bucket: str) -> S3Backend:
    """A backend as a newly started process builds it: it knows nothing about the server yet."""
    return S3Backend(s3.url, bucket, REGION, ACCESS, SECRET)


def strip_if_none_match(backend: S3Backend) -> None:
    """Like Ceph on a versioned bucket: the condition never reaches the server's decision."""

    def like_ceph(params: dict[str, object], **_: object) -> None:
        params.pop("IfNoneMatch", None)

    backend._client.meta.events.register("before-parameter-build.s3.PutObject", like_ceph)


def test_a_bucket_that_honoured_if_none_match_gets_one_put_per_batch(
    services: Services, s3: S3Server
) -> None:
    s3.bucket("audit")
    first = fresh_process(s3, "audit")
    seen = Requests(first)
    add_entries(services, 30)
    assert archive_sync(services, first, batch_size=10).sync_once().batches == 3
    key = public_key_name(services.trail.practice_id, services.trail.workstation_id)
    # A new bucket: every answer so far was 200, so nothing proves the condition is honoured.
    assert not first.honours_if_none_match
    assert len([k for k in seen.named("GetObject") if k != key]) == 3  # each batch read back

    again = fresh_process(s3, "audit")  # the next start of the app
    seen = Requests(again)
    add_entries(services, 30)
    assert archive_sync(services, again, batch_size=10).sync_once().batches == 3
    assert again.honours_if_none_match  # the key's second PUT was refused with 412
    assert len(seen.named("PutObject")) == 4  # the key, then one per batch
    assert seen.named("GetObject") == [key]  # only the 412's comparison: no read-back
    assert len(seen.named("ListObjectVersions")) == 1  # the look for a batch that landed unseen
    report = verify(services, again)
    assert report.ok, report.problems
    assert report.entries == 60


def test_a_server_that_ignores_if_none_match_is_always_read_back(
    services: Services, s3: S3Server
) -> None:
    s3.bucket("ceph")
    add_entries(services, 20)
    archive_sync(services, fresh_process(s3, "ceph"), batch_size=10).sync_once()
    like_ceph = fresh_process(s3, "ceph")
    strip_if_none_match(like_ceph)
    seen = Requests(like_ceph)
    add_entries(services, 20)
    sync = archive_sync(services, like_ceph, batch_size=10)
    assert sync.sync_once().batches == 2
    assert not like_ceph.honours_if_none_match  # the key's PUT came back 200 again
    names = [n for n in seen.named("GetObject") if not n.endswith(".pub")]
    assert len(names) == 2  # both new batches read back
    assert len(seen.named("ListObjectVersions")) >= 3  # and their versions listed
    # The stripped condition let the key's PUT stack a second version, as on Ceph: the
    # read-back saw the same bytes twice and called it done, and verify names it.
    key = public_key_name(services.trail.practice_id, services.trail.workstation_id)
    assert any(f"{key}: 2 versions" in p for p in verify(services, like_ceph).problems)


def test_rounds_after_an_acknowledged_put_list_nothing_and_a_failed_round_looks_again(
    services: Services, s3: S3Server
) -> None:
    s3.bucket("audit")
    add_entries(services, 10)
    archive_sync(services, fresh_process(s3, "audit"), batch_size=10).sync_once()
    backend = fresh_process(s3, "audit")
    seen = Requests(backend)
    sync = archive_sync(services, backend, batch_size=10)
    for _ in range(3):  # the app's rounds, one batch each
        add_entries(services, 10)
        assert sync.sync_once().batches == 1
    assert backend.honours_if_none_match
    assert len(seen.named("ListObjectVersions")) == 1  # the first round of the process only
    assert len(seen.named("PutObject")) == 4  # the key, then one per round

    # A PUT that reached the bucket but whose answer was lost: the round fails...
    add_entries(services, 10)
    put = backend.put_new
    calls = {"n": 0}

    def lost_answer(name: str, data: bytes, now: Any) -> Any:
        put(name, data, now)
        calls["n"] += 1
        raise ArchiveUnavailable("the answer never came back")

    backend.put_new = lost_answer  # type: ignore[method-assign]
    with pytest.raises(ArchiveUnavailable):
        sync.sync_once()
    backend.put_new = put  # type: ignore[method-assign]
    # ...so the next round lists again and adopts the batch that landed, grown trail or not.
    add_entries(services, 5)
    before = len(seen.named("ListObjectVersions"))
    assert sync.sync_once().entries == 15
    assert len(seen.named("ListObjectVersions")) == before + 1
    report = verify(services, backend)
    assert report.ok, report.problems
    assert report.entries == 55
