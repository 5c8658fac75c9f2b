"""Where batches go: a write-once folder, or S3-compatible storage with Object Lock."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from services.archive.tls import require_tls13
from storage.errors import EnamelError

RETENTION_DAYS = 6 * 366  # six years, counting leap days generously


class ArchiveUnavailable(EnamelError):
    exit_code = 1


class ArchiveMisconfigured(EnamelError):
    exit_code = 1


class PutResult(Enum):
    CREATED = "created"
    EXISTS_SAME = "exists_same"
    EXISTS_DIFFERENT = "exists_different"


@dataclass(frozen=True)
class ObjectVersion:
    name: str
    version_id: str
    is_delete_marker: bool


class ArchiveBackend(Protocol):
    def describe(self) -> str: ...
    def check(self) -> str: ...
    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult: ...
    def get(self, name: str) -> bytes | None: ...
    def versions(self, prefix: str) -> list[ObjectVersion]: ...


class FolderBackend:
    """Exclusive create (link without overwrite), fsync, then read-only. For a NAS or local disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"folder {self.root}"

    def _path(self, name: str) -> Path:
        if ".." in name.split("/"):
            raise ValueError("bad object name")
        return self.root.joinpath(*name.split("/"))

    def check(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder {self.root} cannot be written ({exc.strerror})."
            ) from None
        return f"folder {self.root} is writable; files are made read-only after writing"

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, path)  # fails if the name exists: never overwrites
            except FileExistsError:
                return (
                    PutResult.EXISTS_SAME
                    if path.read_bytes() == data
                    else PutResult.EXISTS_DIFFERENT
                )
            finally:
                tmp.unlink(missing_ok=True)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder cannot be written ({exc.strerror})."
            ) from None
        return PutResult.CREATED

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        return path.read_bytes() if path.exists() else None

    def versions(self, prefix: str) -> list[ObjectVersion]:
        base = self._path(prefix.rstrip("/"))
        if not base.exists():
            return []
        found = []
        for p in sorted(base.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                found.append(ObjectVersion(p.relative_to(self.root).as_posix(), "", False))
        return found


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class S3Backend:
    """Any S3-compatible store with Object Lock: conditional create, checksum, COMPLIANCE retention."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        region: str,
        access_key: str,
        secret_key: str,
        *,
        ca_file: str | None = None,
        object_lock: bool = True,
    ) -> None:
        import boto3
        from botocore.config import Config

        parts = urlsplit(endpoint)
        if parts.scheme != "https" and not _loopback(parts.hostname or ""):
            raise ArchiveMisconfigured(
                "The archive endpoint must use https:// (plain http only on this computer)."
            )
        self.endpoint, self.bucket = endpoint, bucket
        self._ca = ca_file
        # Always on in the product; off only to build a tampered archive in tests.
        self._object_lock = object_lock
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            verify=ca_file if ca_file else True,
            config=Config(
                signature_version="s3v4",
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                s3={"addressing_style": "path"},
            ),
        )

    def describe(self) -> str:
        return f"s3 {self.endpoint} bucket {self.bucket}"

    def _tls(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme == "https" and not _loopback(parts.hostname or ""):
            require_tls13(parts.hostname or "", parts.port or 443, self._ca)

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError:
            raise
        except BotoCoreError as exc:
            raise ArchiveUnavailable(
                f"The archive cannot be reached ({type(exc).__name__})."
            ) from None

    def check(self) -> str:
        from botocore.exceptions import ClientError

        self._tls()
        try:
            conf = self._call(self._client.get_object_lock_configuration, Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise ArchiveMisconfigured(
                f"The bucket '{self.bucket}' has no Object Lock ({code}). Audit batches must be "
                "write-once: create a bucket with Object Lock enabled."
            ) from None
        if conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise ArchiveMisconfigured(f"Object Lock is not enabled on the bucket '{self.bucket}'.")
        return f"bucket {self.bucket} has Object Lock enabled"

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        from botocore.exceptions import ClientError

        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        # Object Lock uploads need an integrity header; Content-MD5 is the one every server knows.
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        lock: dict[str, Any] = {}
        if self._object_lock:
            lock = {
                "ObjectLockMode": "COMPLIANCE",
                "ObjectLockRetainUntilDate": now + timedelta(days=RETENTION_DAYS),
            }
        try:
            self._call(
                self._client.put_object,
                Bucket=self.bucket,
                Key=name,
                Body=data,
                IfNoneMatch="*",
                ChecksumSHA256=digest,
                ContentMD5=md5,
                **lock,
            )
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code", "")
            if status == 412 or code in ("PreconditionFailed", "ConditionalRequestConflict"):
                stored = self.get(name)
                return PutResult.EXISTS_SAME if stored == data else PutResult.EXISTS_DIFFERENT
            raise ArchiveUnavailable(f"The archive refused the batch ({code or status}).") from None
        # Some servers ignore If-None-Match on versioned buckets: read back what is there.
        stored = self.get(name)
        if stored != data:
            return PutResult.EXISTS_DIFFERENT
        return PutResult.CREATED

    def get(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            response = self._call(self._client.get_object, Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise ArchiveUnavailable("The archive could not be read.") from None
        body: bytes = response["Body"].read()
        return body

    def versions(self, prefix: str) -> list[ObjectVersion]:
        found: list[ObjectVersion] = []
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for v in page.get("Versions", []):
                found.append(ObjectVersion(v["Key"], str(v.get("VersionId", "")), False))
            for m in page.get("DeleteMarkers", []):
                found.append(ObjectVersion(m["Key"], str(m.get("VersionId", "")), True))
        return found
