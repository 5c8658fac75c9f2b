"""A real S3-compatible server (moto's standalone server) on 127.0.0.1, started per test."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.bootstrap import Services
from services.access import Actor, ActorType, Role
from services.archive.backends import S3Backend
from services.audit import AuditEvent

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
