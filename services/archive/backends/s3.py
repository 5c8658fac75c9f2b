"""The S3 backend: any S3-compatible store with Object Lock (AWS, B2, Wasabi, MinIO, Ceph)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.archive.backends.base import (
    RETENTION_DAYS,
    ArchiveMisconfigured,
    ArchiveUnavailable,
    ObjectVersion,
    PutResult,
)
from services.archive.tls import require_tls13


def _tls13_sender(
    verify: str | bool, timeout: tuple[float, float], proxy: str | None = None
) -> Callable[..., Any]:
    """A botocore `before-send` handler that sends over a connection pool refusing TLS < 1.3.

    botocore has no setting for the minimum TLS version, but its documented `before-send`
    event lets a handler send the (already SigV4-signed) request itself. The pool is
    botocore's own session class with a TLS 1.3 floor on its SSL context, so certificate
    checks (system store or the configured CA file), timeouts and pooling stay botocore's.
    With `proxy` (the practice's http://host:port) the pool tunnels with CONNECT, and the
    TLS 1.3 session inside the tunnel is end to end with the archive; without it no proxy
    is used, whatever the environment says (HTTPS_PROXY is not a setting IT made).
    """
    from botocore.httpsession import URLLib3Session

    class Tls13Session(URLLib3Session):
        def _get_ssl_context(self) -> ssl.SSLContext:
            context: ssl.SSLContext = super()._get_ssl_context()  # type: ignore[misc]
            context.minimum_version = ssl.TLSVersion.TLSv1_3
            return context

    # botocore takes a CA bundle path for `verify` and (connect, read) for `timeout`; the
    # stubs are narrower than the code.
    session = Tls13Session(
        verify=verify,  # type: ignore[arg-type]
        timeout=timeout,  # type: ignore[arg-type]
        max_pool_connections=10,
        proxies={"https": proxy} if proxy else None,
    )

    def send(request: Any, **_: Any) -> Any:
        return session.send(request)

    return send


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
        proxy: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        """`timeout`: seconds a call waits for the archive to answer (each of its two tries),
        so a store that accepts and never answers fails the round instead of holding it."""
        import boto3
        from botocore.config import Config

        parts = urlsplit(endpoint)
        if parts.scheme != "https" and not _loopback(parts.hostname or ""):
            raise ArchiveMisconfigured(
                "The archive endpoint must use https:// (plain http only on this computer)."
            )
        self.endpoint, self.bucket = endpoint, bucket
        self._ca = ca_file
        self._proxy = proxy or None
        # Always on in the product; off only to build a tampered archive in tests.
        self._object_lock = object_lock
        # Set once this bucket answered a conditional PUT with 412: it honours If-None-Match,
        # so a 200 means the name was new and now holds our bytes (see `put_new`).
        self.honours_if_none_match = False
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
                read_timeout=timeout,
                s3={"addressing_style": "path"},
            ),
        )
        if parts.scheme == "https":
            # Every https endpoint, this computer's included: TLS 1.3 or no request at all.
            self._client.meta.events.register(
                "before-send.s3", _tls13_sender(ca_file or True, (5.0, timeout), self._proxy)
            )

    def describe(self) -> str:
        via = f" through the proxy {self._proxy}" if self._proxy else ""
        return f"s3 {self.endpoint} bucket {self.bucket}{via}"

    def _tls(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme == "https":
            require_tls13(parts.hostname or "", parts.port or 443, self._ca, proxy=self._proxy)

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
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if status >= 500:
                raise ArchiveUnavailable(
                    f"The archive is not answering ({code or status})."
                ) from None
            if code == "NoSuchBucket":
                raise ArchiveMisconfigured(f"There is no bucket '{self.bucket}'.") from None
            if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise ArchiveMisconfigured(
                    f"The archive refused the access keys ({code}): check them with "
                    "'enamel-admin archive set s3'."
                ) from None
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
            if status == 412 or code == "PreconditionFailed":
                self.honours_if_none_match = True
                return self._compare(name, data)
            # 409 ConditionalRequestConflict: another write of the name is in flight; retry later.
            raise ArchiveUnavailable(f"The archive refused the batch ({code or status}).") from None
        if self.honours_if_none_match:
            # The server evaluates If-None-Match (it refused an existing name with 412), and it
            # acknowledged this PUT after checking the checksum: the name was free and holds our
            # bytes. No read-back, no version listing: one request per batch.
            return PutResult.CREATED
        # Unsure (a new bucket whose first answers were all 200, or a server like Ceph that
        # ignores the condition): read back what was written.
        return self._read_back(name, data)

    def _compare(self, name: str, data: bytes) -> PutResult:
        stored = self.get(name)
        if stored is None:  # 412 yet nothing readable: not a verdict, try again later
            raise ArchiveUnavailable("The archive refused the batch but holds no object.")
        return PutResult.EXISTS_SAME if stored == data else PutResult.EXISTS_DIFFERENT

    def _read_back(self, name: str, data: bytes) -> PutResult:
        """After a 200: is exactly one version there, with our bytes?

        Ceph ignores If-None-Match on versioned buckets, so a 200 may have stacked our bytes
        on top of an older object of the same name; the older version decides.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        stored = self.get(name)
        if stored != data:
            return PutResult.EXISTS_DIFFERENT
        if not self._versioned():
            return PutResult.CREATED
        ours = [v for v in self.versions(name) if v.name == name]
        if len(ours) <= 1:
            return PutResult.CREATED
        for v in ours:
            if v.is_delete_marker:
                return PutResult.EXISTS_DIFFERENT
            try:
                older = self._client.get_object(
                    Bucket=self.bucket, Key=name, VersionId=v.version_id
                )
                if older["Body"].read() != data:
                    return PutResult.EXISTS_DIFFERENT
            except (ClientError, BotoCoreError):
                raise ArchiveUnavailable("The archive could not be read.") from None
        return PutResult.EXISTS_SAME

    def _versioned(self) -> bool:
        """Object Lock implies versioning; a plain bucket (tests only) may have none."""
        if self._object_lock:
            return True
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.get_bucket_versioning(Bucket=self.bucket)
        except (ClientError, BotoCoreError):
            return True
        return answer.get("Status") in ("Enabled", "Suspended")

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

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        from botocore.exceptions import BotoCoreError, ClientError

        found: list[ObjectVersion] = []
        paginator = self._client.get_paginator("list_object_versions")
        marker = {"KeyMarker": after} if after else {}
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, **marker):
                for v in page.get("Versions", []):
                    found.append(ObjectVersion(v["Key"], str(v.get("VersionId", "")), False))
                for m in page.get("DeleteMarkers", []):
                    found.append(ObjectVersion(m["Key"], str(m.get("VersionId", "")), True))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise ArchiveUnavailable(f"The archive could not be listed ({code}).") from None
        except BotoCoreError as exc:
            raise ArchiveUnavailable(
                f"The archive cannot be reached ({type(exc).__name__})."
            ) from None
        return found
