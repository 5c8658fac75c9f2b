"""The folder archive's layout: batches sharded by seq range, exact look-ups, older flat archives."""

from __future__ import annotations

import os
from pathlib import Path

from app.archive_setup import archive_sync
from app.bootstrap import Services
from services.archive.backends import FolderBackend, PutResult
from services.archive.backends.folder import SHARD_SEQS
from tests.archive.conftest import add_entries, batch_names, verify


def test_batches_live_in_the_shard_of_their_first_seq(tmp_path: Path, services: Services) -> None:
    backend = FolderBackend(tmp_path / "nas")
    now = services.clock.now()
    first = SHARD_SEQS + 1
    names = [
        "p/w/000000000001-000000000050",
        f"p/w/{SHARD_SEQS - 9:012d}-{SHARD_SEQS + 40:012d}",  # straddles: its first seq decides
        f"p/w/{first:012d}-{first + 49:012d}",
    ]
    for name in names:
        assert backend.put_new(name, name.encode(), now) is PutResult.CREATED
    assert backend.put_new("p/w/signing-key.pub", b"key", now) is PutResult.CREATED
    files = sorted(
        p.relative_to(backend.root).as_posix() for p in backend.root.rglob("*") if p.is_file()
    )
    assert files == [
        "p/w/000000000000/000000000001-000000000050",
        f"p/w/000000000000/{SHARD_SEQS - 9:012d}-{SHARD_SEQS + 40:012d}",
        f"p/w/{SHARD_SEQS:012d}/{first:012d}-{first + 49:012d}",
        "p/w/signing-key.pub",
    ]
    for name in names:
        assert backend.get(name) == name.encode()  # the exact name, through its shard
    assert backend.get("p/w/000000000001-000000000049") is None
    assert [v.name for v in backend.versions("p/w/")] == [*names, "p/w/signing-key.pub"]
    assert [v.name for v in backend.versions("p/w/", after=names[1])] == [
        names[2],
        "p/w/signing-key.pub",
    ]
    assert [v.name for v in backend.versions("")] == [*names, "p/w/signing-key.pub"]


def test_a_look_up_by_first_seq_reads_only_that_shard(tmp_path: Path, services: Services) -> None:
    """A file misplaced in another shard is invisible to a look-up that reads one shard, and
    visible (as a second version) to a full listing: the look-up does not walk the tree."""
    backend = FolderBackend(tmp_path / "nas")
    now = services.clock.now()
    name = f"p/w/{SHARD_SEQS + 1:012d}-{SHARD_SEQS + 10:012d}"
    backend.put_new(name, b"batch", now)
    stray = backend.root / "p" / "w" / "000000000000"
    stray.mkdir()
    (stray / name.rsplit("/", 1)[1]).write_bytes(b"batch")
    assert [v.name for v in backend.versions(f"p/w/{SHARD_SEQS + 1:012d}-")] == [name]
    assert [v.name for v in backend.versions("p/w/")] == [name, name]
    assert [v.name for v in backend.versions("p/w/", after=f"p/w/{SHARD_SEQS:012d}-")] == [name]


def flatten(root: Path) -> int:
    """Move every batch out of its shard into the workstation folder: the layout before shards."""
    moved = 0
    for shard in [p for p in root.rglob("*") if p.is_dir() and p.name.isdigit()]:
        for f in shard.iterdir():
            os.rename(f, shard.parent / f.name)
            moved += 1
        shard.rmdir()
    return moved


def test_an_archive_written_flat_still_verifies_and_grows_in_shards(
    services: Services, tmp_path: Path
) -> None:
    backend = FolderBackend(tmp_path / "nas")
    add_entries(services, 300)
    archive_sync(services, backend, batch_size=100).sync_once()
    assert flatten(backend.root) == 3
    report = verify(services, backend)
    assert report.ok, report.problems
    assert report.batches == 3
    # The same batch sent again (a lost answer) is found in its old place, not written twice.
    name = batch_names(backend, services)[0]
    data = backend.get(name)
    assert data is not None
    assert backend.put_new(name, data, services.clock.now()) is PutResult.EXISTS_SAME
    assert backend.put_new(name, data + b"x", services.clock.now()) is PutResult.EXISTS_DIFFERENT
    add_entries(services, 150)
    assert archive_sync(services, backend, batch_size=100).sync_once().entries == 150
    workstation = backend.root / services.trail.practice_id / services.trail.workstation_id
    assert len([p for p in workstation.iterdir() if p.is_file() and p.name[0].isdigit()]) == 3
    assert len(list((workstation / "000000000000").iterdir())) == 2
    report = verify(services, backend)
    assert report.ok, report.problems
    assert (report.batches, report.entries) == (5, 450)


def test_a_batch_both_flat_and_in_its_shard_is_an_overwrite(
    services: Services, tmp_path: Path
) -> None:
    backend = FolderBackend(tmp_path / "nas")
    add_entries(services, 20)
    archive_sync(services, backend, batch_size=10).sync_once()
    name = batch_names(backend, services)[1]
    workstation = backend.root / services.trail.practice_id / services.trail.workstation_id
    (workstation / name.rsplit("/", 1)[1]).write_bytes(b"someone else's bytes")
    assert any(f"{name}: 2 versions" in p for p in verify(services, backend).problems)
