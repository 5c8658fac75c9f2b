"""A real S3-compatible server (moto's standalone server) on 127.0.0.1, started per test."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.bootstrap import Services
from services.access import Actor, ActorType, Role
from services.archive.backends import (
    ArchiveBackend,
    ArchiveUnavailable,
    ObjectVersion,
    PutResult,
    S3Backend,
)
from services.archive.setup import archive_keys
from services.archive.verify import ArchiveReport, verify_archive
from services.audit import AuditEvent
from storage.archive_repo import ArchiveRepository

ACCESS, SECRET, REGION = "testing-access", "testing-secret", "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class S3Server:
    url: str
    server: ThreadedMotoServer
    port: int

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS,
            aws_secret_access_key=SECRET,
        )

    def bucket(self, name: str, *, lock: bool = True) -> S3Backend:
        kwargs = {"ObjectLockEnabledForBucket": True} if lock else {}
        self.client().create_bucket(Bucket=name, **kwargs)
        return S3Backend(self.url, name, REGION, ACCESS, SECRET, object_lock=lock)

    def stop(self) -> None:
        self.server.stop()

    def start_again(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()


@pytest.fixture
def s3() -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    handle = S3Server(f"http://127.0.0.1:{port}", server, port)
    yield handle
    with contextlib.suppress(Exception):  # already stopped by the test
        handle.server.stop()


def add_entries(services: Services, n: int, patient_prefix: str = "pt_seeded") -> None:
    actor = Actor("user_archive_test", ActorType.HUMAN, Role.FRONT_DESK)
    services.trail.append_batch(
        [
            AuditEvent(
                action="appointment_query",
                actor=actor,
                resource_type="appointment",
                patient_id=f"{patient_prefix}{i:06d}",
                purpose="schedule",
                fields=("phone",),
            )
            for i in range(n)
        ]
    )


def verify(services: Services, backend: ArchiveBackend) -> ArchiveReport:
    """`archive verify` as the command runs it: keys, local trail and the confirmed batches."""
    return verify_archive(
        backend,
        services.trail.practice_id,
        services.trail.workstation_id,
        archive_keys(services.installation),
        services.trail.repository,
        ArchiveRepository(services.installation.db).batches(),
    )


def batch_names(backend: ArchiveBackend, services: Services) -> list[str]:
    prefix = f"{services.trail.practice_id}/{services.trail.workstation_id}/"
    return sorted({v.name for v in backend.versions(prefix) if not v.name.endswith(".pub")})


def unlocked_copy(s3: S3Server, locked: S3Backend, name: str, *, versioned: bool) -> S3Backend:
    """What an admin credential could do to a bucket WITHOUT Object Lock: a copy of `locked`.

    moto refuses COMPLIANCE deletes and overwrites, so tampering is staged on a copy.
    """
    client = s3.client()
    client.create_bucket(Bucket=name)
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for v in locked.versions(""):
        data = locked.get(v.name)
        assert data is not None
        client.put_object(Bucket=name, Key=v.name, Body=data)
    return S3Backend(s3.url, name, REGION, ACCESS, SECRET, object_lock=False)


class FailingAfter:
    """A backend that accepts `n` batch uploads, then stores the next one but "loses the answer"."""

    def __init__(self, inner: ArchiveBackend, n: int) -> None:
        self.inner, self.left = inner, n

    def describe(self) -> str:
        return self.inner.describe()

    def check(self) -> str:
        return self.inner.check()

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        result = self.inner.put_new(name, data, now)
        if not name.endswith(".pub"):
            if self.left <= 0:
                raise ArchiveUnavailable("The archive cannot be reached (ReadTimeoutError).")
            self.left -= 1
        return result

    def get(self, name: str) -> bytes | None:
        return self.inner.get(name)

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        return self.inner.versions(prefix, after)
