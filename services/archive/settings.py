"""Which write-once archive, and how: the typed archive settings and the names of its secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from storage.settings_repo import SecretsRepository, SettingsRepository

BACKEND = "archive.backend"  # folder | s3
FOLDER_PATH = "archive.folder.path"
S3_ENDPOINT = "archive.s3.endpoint"
S3_BUCKET = "archive.s3.bucket"
S3_REGION = "archive.s3.region"
S3_CA_FILE = "archive.s3.ca_file"
# The practice's web proxy for HTTPS (http://host:port), where the office reaches the
# internet only through one: the S3 client tunnels through it with CONNECT, TLS 1.3 inside.
PROXY = "archive.proxy"
BATCH_SIZE = "archive.batch_size"
# A batch is sealed when it holds `batch_size` entries or its oldest entry is this old,
# whichever comes first: about one object an hour, not one a minute, over six years.
SEAL_AFTER_MINUTES = "archive.seal_after_minutes"
DEFAULT_SEAL_AFTER_MINUTES = 60
MAX_SEAL_AFTER_MINUTES = 24 * 60
# The whole archive is verified again (not only the new objects) this often.
FULL_VERIFY_DAYS = "archive.full_verify_days"
DEFAULT_FULL_VERIFY_DAYS = 7
LOCAL_WINDOW_DAYS = "archive.local_window_days"
# Seconds an S3 call waits for an answer (each of its two tries): a hanging store fails the
# round, which the job retries on its back-off.
S3_TIMEOUT_SECONDS = "archive.s3.timeout_seconds"
DEFAULT_S3_TIMEOUT_SECONDS = 30
S3_ACCESS_KEY = "archive.s3.access_key_id"  # secrets
S3_SECRET_KEY = "archive.s3.secret_access_key"  # noqa: S105 - a setting name, not a secret

FOLDER = "folder"
S3 = "s3"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class ArchiveSettings:
    backend: str = FOLDER
    folder_path: str = ""  # empty: the installation's own archive folder
    endpoint: str = ""
    bucket: str = ""
    region: str = DEFAULT_REGION
    ca_file: str = ""
    proxy: str = ""  # empty: straight to the endpoint

    @staticmethod
    def read(settings: SettingsRepository) -> ArchiveSettings:
        def get(name: str, default: str = "") -> str:
            return settings.get(name, default) or default

        return ArchiveSettings(
            backend=get(BACKEND, FOLDER),
            folder_path=get(FOLDER_PATH),
            endpoint=get(S3_ENDPOINT),
            bucket=get(S3_BUCKET),
            region=get(S3_REGION, DEFAULT_REGION),
            ca_file=get(S3_CA_FILE),
            proxy=get(PROXY),
        )

    @staticmethod
    def folder(path: Path | str) -> ArchiveSettings:
        return ArchiveSettings(backend=FOLDER, folder_path=str(path))

    @staticmethod
    def s3(
        endpoint: str, bucket: str, region: str = "", ca_file: str = "", proxy: str = ""
    ) -> ArchiveSettings:
        return ArchiveSettings(S3, "", endpoint, bucket, region or DEFAULT_REGION, ca_file, proxy)

    def as_settings(self) -> dict[str, str]:
        if self.backend == FOLDER:
            return {BACKEND: FOLDER, FOLDER_PATH: self.folder_path}
        return {
            BACKEND: S3,
            S3_ENDPOINT: self.endpoint,
            S3_BUCKET: self.bucket,
            S3_REGION: self.region,
            S3_CA_FILE: self.ca_file,  # written empty too: no earlier CA file lingers
            PROXY: self.proxy,  # the same
        }

    def write(self, settings: SettingsRepository, now: datetime) -> None:
        for name, value in self.as_settings().items():
            settings.set(name, value, now)


def proxy_problem(url: str) -> str | None:
    """What is wrong with a proxy address for the archive, or None (empty means no proxy)."""
    if not url:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http":
        return (
            "The archive proxy must be given as http://host:port (the proxy's own address; "
            "the archive's TLS 1.3 runs inside the tunnel, so the proxy sees only ciphertext)."
        )
    if parts.username or parts.password:
        return "The archive proxy must not carry a user name or password in its address."
    if not parts.hostname or port is None or parts.path not in ("", "/") or parts.query:
        return "The archive proxy must be http://host:port, with a port and nothing after it."
    return None


def ca_file_problem(path: str) -> str | None:
    """What is wrong with a CA file for a private archive endpoint, or None (empty means this
    PC's trust store). The file must hold at least one PEM certificate; nothing of it is
    echoed back but its name."""
    if not path:
        return None
    from cryptography import x509

    file = Path(path).expanduser()
    if not file.is_file():
        return f"The CA certificate file {file} does not exist (or is not a file)."
    try:
        data = file.read_bytes()
    except OSError as exc:
        return f"The CA certificate file {file} cannot be read ({exc.strerror or 'no access'})."
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        certificates = []
    if not certificates:
        return (
            f"The CA certificate file {file} holds no PEM certificate: give the CA's "
            "certificate as a .pem, .crt or .cer file that starts with "
            "'-----BEGIN CERTIFICATE-----'."
        )
    return None


def write_s3_keys(secrets: SecretsRepository, access: str, secret: str, now: datetime) -> None:
    secrets.put(S3_ACCESS_KEY, access.encode(), now)
    secrets.put(S3_SECRET_KEY, secret.encode(), now)
