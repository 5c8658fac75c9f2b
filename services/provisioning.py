"""The provisioning file of a silent install: read, validate, apply, and scrub its secrets."""

from __future__ import annotations

import json
import os
import re
import secrets as pysecrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Any

from errors import EnamelError
from services.access import Actor
from services.archive.settings import PROXY, proxy_problem
from services.audit import AuditEvent, AuditTrail
from services.auth.sessions import IDLE_LOCK_SETTING, MAX_IDLE_MINUTES, MIN_IDLE_MINUTES
from services.compliance.breach.office_hours import DAYS
from services.installation import validate_practice_id
from services.pms.http import check_endpoint
from services.pms.opendental import Mode, base_url_for
from storage.settings_repo import SecretsRepository, SettingsRepository

STORED = "(stored)"  # what a secret's value becomes in the file once it has been taken
FORMAT = "enamel-provision-v1"

# Secret names in the encrypted secrets table (the same names app/ reads them by).
PMS_DEVELOPER_KEY = "pms.developer_key"
PMS_CUSTOMER_KEY = "pms.customer_key"
S3_ACCESS_KEY = "archive.s3.access_key_id"
S3_SECRET_KEY = "archive.s3.secret_access_key"  # noqa: S105 - a name, not a secret

# (section, key in the file) -> secret name
SECRET_FIELDS: dict[tuple[str, str], str] = {
    ("pms", "developer_key"): PMS_DEVELOPER_KEY,
    ("pms", "customer_key"): PMS_CUSTOMER_KEY,
    ("archive", "access_key_id"): S3_ACCESS_KEY,
    ("archive", "secret_access_key"): S3_SECRET_KEY,
}
TOP_KEYS = frozenset(
    {"format", "practice_id", "pms", "archive", "hub", "idle_lock_minutes", "office_hours"}
)
HUB_KEYS = frozenset({"join_code", "name"})
# Taken once and then replaced in the file: the secrets, and the hub's one-time join code.
SCRUBBED_FIELDS: tuple[tuple[str, str], ...] = (*SECRET_FIELDS, ("hub", "join_code"))
PMS_KEYS = frozenset({"mode", "host", "url", "allow_http_hosts", "developer_key", "customer_key"})
ARCHIVE_KEYS = frozenset(
    {
        "backend",
        "path",
        "endpoint",
        "bucket",
        "region",
        "ca_file",
        "proxy",
        "access_key_id",
        "secret_access_key",
    }
)
_HHMM = re.compile(r"^\d{2}:\d{2}$")
# A real file is three levels deep (office_hours.mon = ["08:00", "17:00"]); far deeper is
# not a provisioning file, and would exhaust the recursion of whatever walks it later.
MAX_DEPTH = 16


class ProvisioningError(EnamelError):
    """The provisioning file cannot be used; the message names the file's key at fault."""

    exit_code = 2


class FileFormat(StrEnum):
    JSON = "json"
    TOML = "toml"


@dataclass(frozen=True)
class ProvisioningFile:
    """A parsed provisioning file: where it is, its syntax, and its document."""

    path: Path
    format: FileFormat
    document: dict[str, Any]


@dataclass(frozen=True)
class Provisioning:
    """What a provisioning file asks for, validated: settings by name and secrets by name."""

    practice_id: str  # "" only with a join code: the hub's practice is this PC's
    settings: dict[str, str]
    secrets: dict[str, bytes]
    notes: tuple[str, ...] = ()
    join_code: str = ""  # [hub] join_code: this PC joins the practice hub ('hub invite')
    pc_name: str = ""  # [hub] name: this PC's name at the hub (default: its host name)


@dataclass
class ApplyResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    secrets_stored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_file(path: Path) -> ProvisioningFile:
    """Read JSON (.json) or TOML (.toml, or anything that is not JSON) without applying it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProvisioningError(
            f"The provisioning file {path} cannot be read ({exc.strerror or type(exc).__name__})."
        ) from None
    as_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".toml" and raw.lstrip()[:1] == b"{"
    )
    try:
        text = raw.decode("utf-8")
        document = json.loads(text) if as_json else tomllib.loads(text)
    except UnicodeDecodeError:
        raise ProvisioningError(f"The provisioning file {path} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise ProvisioningError(
            f"The provisioning file {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg})."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProvisioningError(
            f"The provisioning file {path} is not valid TOML ({exc})."
        ) from None
    except RecursionError:
        raise _too_deep(path) from None
    if not isinstance(document, dict):
        raise ProvisioningError(f"The provisioning file {path} must hold one JSON object.")
    if _depth(document) > MAX_DEPTH:
        raise _too_deep(path)
    return ProvisioningFile(path, FileFormat.JSON if as_json else FileFormat.TOML, document)


def _too_deep(path: Path) -> ProvisioningError:
    return ProvisioningError(
        f"The provisioning file {path} is nested too deeply to be a provisioning file "
        f"(more than {MAX_DEPTH} levels of lists or tables)."
    )


def _depth(document: Any) -> int:
    """How deeply lists and tables nest, counted without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children)
    return deepest


def _bad(key: str, why: str) -> ProvisioningError:
    return ProvisioningError(f"Provisioning file: '{key}' {why}")


def _section(doc: Mapping[str, Any], name: str, allowed: frozenset[str]) -> dict[str, Any]:
    value = doc.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(name, "must be a table/object of keys.")
    for key in value:
        if key not in allowed:
            raise _bad(
                f"{name}.{key}", f"is not a known key (known: {', '.join(sorted(allowed))})."
            )
    return value


def _text(section: Mapping[str, Any], prefix: str, key: str, default: str = "") -> str:
    value = section.get(key, default)
    if not isinstance(value, str):
        raise _bad(f"{prefix}.{key}", "must be a string.")
    return value.strip()


def _secret(section: Mapping[str, Any], prefix: str, key: str) -> str | None:
    """A secret's value, or None when absent or already taken ("(stored)")."""
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{prefix}.{key}", "must be a non-empty string.")
    return None if value.strip() == STORED else value.strip()


def _pair(section: Mapping[str, Any], prefix: str, a: str, b: str) -> tuple[str, str] | None:
    first, second = _secret(section, prefix, a), _secret(section, prefix, b)
    if (first is None) != (second is None):
        missing = b if second is None else a
        raise _bad(f"{prefix}.{missing}", f"is missing: give both '{a}' and '{b}', or neither.")
    return None if first is None or second is None else (first, second)


def _idle_minutes(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(IDLE_LOCK_SETTING, "must be a whole number of minutes.")
    if value > MAX_IDLE_MINUTES:
        raise _bad(
            IDLE_LOCK_SETTING,
            f"is {value}: the idle lock may be at most {MAX_IDLE_MINUTES} minutes (HIPAA "
            "automatic logoff); choose 15 or less.",
        )
    if value < MIN_IDLE_MINUTES:
        raise _bad(IDLE_LOCK_SETTING, f"must be at least {MIN_IDLE_MINUTES} minute.")
    return str(value)


def office_hours_setting(value: Any) -> str:
    """Validate {"mon": ["08:00", "17:00"], "sat": null, ...} and return it as canonical JSON."""
    if not isinstance(value, dict):
        raise _bad("office_hours", 'must map days to ["HH:MM", "HH:MM"] (e.g. "mon").')
    hours: dict[str, list[str] | None] = {}
    for day, span in value.items():
        key = f"office_hours.{day}"
        if day not in DAYS:
            raise _bad(key, f"is not a day (use {', '.join(DAYS)}).")
        if span is None or span == [] or span is False:
            hours[day] = None
            continue
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(isinstance(t, str) and _HHMM.match(t) for t in span)
        ):
            raise _bad(key, 'must be ["HH:MM", "HH:MM"], or [] when closed.')
        try:
            start, end = time.fromisoformat(span[0]), time.fromisoformat(span[1])
        except ValueError:
            raise _bad(key, f"has a time that does not exist ({span[0]}-{span[1]}).") from None
        if start >= end:
            raise _bad(key, f"opens at {span[0]}, which is not before closing at {span[1]}.")
        hours[day] = [span[0], span[1]]
    return json.dumps({d: hours.get(d) for d in DAYS}, separators=(",", ":"))


def _pms(doc: Mapping[str, Any], settings: dict[str, str], secrets: dict[str, bytes]) -> None:
    pms = _section(doc, "pms", PMS_KEYS)
    if not pms:
        return
    mode_text = _text(pms, "pms", "mode")
    try:
        mode = Mode(mode_text)
    except ValueError:
        raise _bad(
            "pms.mode", f"is '{mode_text}': use {', '.join(m.value for m in Mode)}."
        ) from None
    hosts = pms.get("allow_http_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise _bad("pms.allow_http_hosts", "must be a list of host names.")
    allowed = frozenset(h.strip() for h in hosts if h.strip())
    if mode is Mode.URL:
        base = _text(pms, "pms", "url")
        if not base:
            raise _bad("pms.url", "is needed when pms.mode is 'url' (https://…/api/v1).")
    else:
        if "url" in pms:
            raise _bad("pms.url", "is only for pms.mode 'url'; use pms.host for 'service'.")
        base = base_url_for(mode, _text(pms, "pms", "host"))
    try:
        check_endpoint(base, allowed)
    except EnamelError as exc:
        raise _bad(
            "pms.url" if mode is Mode.URL else "pms.host", f"is refused: {exc.message}"
        ) from None
    settings["pms.mode"] = mode.value
    settings["pms.base_url"] = base
    settings["pms.allow_http_hosts"] = ",".join(sorted(allowed))
    keys = _pair(pms, "pms", "developer_key", "customer_key")
    if keys is not None:
        secrets[PMS_DEVELOPER_KEY], secrets[PMS_CUSTOMER_KEY] = (k.encode() for k in keys)


def _archive(
    doc: Mapping[str, Any], settings: dict[str, str], secrets: dict[str, bytes], notes: list[str]
) -> None:
    archive = _section(doc, "archive", ARCHIVE_KEYS)
    if not archive:
        return
    backend = _text(archive, "archive", "backend")
    if backend == "folder":
        for key in (
            "endpoint",
            "bucket",
            "region",
            "ca_file",
            "proxy",
            "access_key_id",
            "secret_access_key",
        ):
            if key in archive:
                raise _bad(f"archive.{key}", "is only for archive.backend 's3'.")
        settings["archive.backend"] = "folder"
        path = _text(archive, "archive", "path")
        if path:
            if not Path(path).is_absolute():
                raise _bad("archive.path", "must be an absolute path (a local disk or NAS share).")
            settings["archive.folder.path"] = path
        return
    if backend != "s3":
        raise _bad("archive.backend", f"is '{backend}': use 'folder' or 's3'.")
    if "path" in archive:
        raise _bad("archive.path", "is only for archive.backend 'folder'.")
    endpoint = _text(archive, "archive", "endpoint")
    bucket = _text(archive, "archive", "bucket")
    if not endpoint.startswith(("https://", "http://")):
        raise _bad("archive.endpoint", "is needed for 's3' and must be an https:// address.")
    if endpoint.startswith("http://") and not re.match(
        r"^http://(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(/|$)", endpoint
    ):
        raise _bad("archive.endpoint", "must use https:// (plain http only on this computer).")
    if not bucket:
        raise _bad("archive.bucket", "is needed for 's3'.")
    settings["archive.backend"] = "s3"
    settings["archive.s3.endpoint"] = endpoint
    settings["archive.s3.bucket"] = bucket
    settings["archive.s3.region"] = _text(archive, "archive", "region", "us-east-1") or "us-east-1"
    if "ca_file" in archive:
        settings["archive.s3.ca_file"] = _text(archive, "archive", "ca_file")
    if "proxy" in archive:
        proxy = _text(archive, "archive", "proxy")
        problem = proxy_problem(proxy)
        if problem is not None:
            raise _bad("archive.proxy", problem.removeprefix("The archive proxy ").rstrip("."))
        settings[PROXY] = proxy
    keys = _pair(archive, "archive", "access_key_id", "secret_access_key")
    if keys is not None:
        secrets[S3_ACCESS_KEY], secrets[S3_SECRET_KEY] = (k.encode() for k in keys)
    notes.append(
        "The S3 archive's Object Lock is checked by 'enamel-admin archive check' "
        "(and by the first sync)."
    )


def parse(document: Mapping[str, Any]) -> Provisioning:
    """Validate a provisioning document; every error names the key at fault."""
    for key in document:
        if key not in TOP_KEYS:
            raise _bad(key, f"is not a known key (known: {', '.join(sorted(TOP_KEYS))}).")
    fmt = document.get("format", FORMAT)
    if fmt != FORMAT:
        raise _bad("format", f"is '{fmt}'; this Enamel reads '{FORMAT}'.")
    hub = _section(document, "hub", HUB_KEYS)
    join_code = _secret(hub, "hub", "join_code") if hub.get("join_code") != "" else None
    if join_code is not None and not join_code.startswith("EJ1-"):
        raise _bad("hub.join_code", "is not a join code (it starts with EJ1-; 'hub invite').")
    practice = document.get("practice_id", "" if join_code else None)
    if not isinstance(practice, str) or not (practice or join_code):
        raise _bad("practice_id", 'is missing (e.g. "smile-dental-01").')
    if practice:
        try:
            validate_practice_id(practice)
        except EnamelError as exc:
            raise _bad("practice_id", f"is not valid. {exc.message}") from None
    settings: dict[str, str] = {}
    secrets: dict[str, bytes] = {}
    notes: list[str] = []
    _pms(document, settings, secrets)
    _archive(document, settings, secrets, notes)
    if "idle_lock_minutes" in document:
        settings[IDLE_LOCK_SETTING] = _idle_minutes(document["idle_lock_minutes"])
    if "office_hours" in document:
        settings["office_hours"] = office_hours_setting(document["office_hours"])
    return Provisioning(
        practice,
        settings,
        secrets,
        tuple(notes),
        join_code or "",
        _text(hub, "hub", "name"),
    )


def apply(
    provisioning: Provisioning,
    settings: SettingsRepository,
    secrets: SecretsRepository,
    trail: AuditTrail,
    actor: Actor,
    now: datetime,
) -> ApplyResult:
    """Write the settings that differ and store every secret given; audit each change."""
    result = ApplyResult(notes=list(provisioning.notes))
    current = settings.get("practice_id")
    if provisioning.practice_id and current is not None and current != provisioning.practice_id:
        raise _bad(
            "practice_id",
            f"is '{provisioning.practice_id}' but this installation belongs to '{current}'. "
            "Nothing was changed.",
        )
    for name, value in provisioning.settings.items():
        if settings.get(name) == value:
            result.unchanged.append(name)
            continue
        settings.set(name, value, now)
        trail.append(
            AuditEvent(
                action="configuration_change",
                actor=actor,
                resource_type="setting",
                resource_id=name,
            )
        )
        result.changed.append(name)
    for name, secret in provisioning.secrets.items():
        secrets.put(name, secret, now)
        trail.append(
            AuditEvent(
                action="configuration_change", actor=actor, resource_type="secret", resource_id=name
            )
        )
        result.secrets_stored.append(name)
    if provisioning.settings.get("archive.backend") == "s3" and (
        secrets.get(S3_ACCESS_KEY) is None or secrets.get(S3_SECRET_KEY) is None
    ):
        result.notes.append(
            "The S3 access keys are not stored yet: run 'enamel-admin archive set s3 --keys-stdin'."
        )
    if "pms.mode" in provisioning.settings and (
        secrets.get(PMS_DEVELOPER_KEY) is None or secrets.get(PMS_CUSTOMER_KEY) is None
    ):
        result.notes.append(
            "The Open Dental keys are not stored yet: run 'enamel-admin pms set ... --keys-stdin'."
        )
    return result


def secrets_in_file(file: ProvisioningFile) -> list[tuple[str, str]]:
    """(section, key) of every secret still present in the file (not yet "(stored)")."""
    found = []
    for section, key in SCRUBBED_FIELDS:
        table = file.document.get(section)
        value = table.get(key) if isinstance(table, dict) else None
        if isinstance(value, str) and value.strip() and value.strip() != STORED:
            found.append((section, key))
    return found


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{pysecrets.token_hex(4)}.new")
    mode = path.stat().st_mode & 0o777
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode & 0o700 or 0o600)  # never wider than the owner's bits
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _toml_scrub(text: str, targets: list[tuple[str, str]]) -> str:
    """Replace the value of each secret key in TOML text; the keys are unique in the format."""
    for section, key in targets:
        pattern = re.compile(
            rf"((?:^|(?<=[{{,]))\s*(?:{section}\s*\.\s*)?{key}\s*=\s*)(\"(?:[^\"\\]|\\.)*\"|'[^']*')",
            re.MULTILINE,
        )
        text, count = pattern.subn(lambda m: m.group(1) + f'"{STORED}"', text)
        if count != 1:
            raise ValueError(key)
    return text


def scrub(file: ProvisioningFile) -> list[str]:
    """Overwrite the file's secret values with "(stored)" (atomic rewrite); return what changed.

    The rewritten file is read back and must equal the original with only those values
    replaced; otherwise it is left as it was and ProvisioningError says to delete it.
    """
    targets = secrets_in_file(file)
    if not targets:
        return []
    expected = json.loads(json.dumps(file.document, default=str))
    for section, key in targets:
        expected[section][key] = STORED
    try:
        if file.format is FileFormat.JSON:
            data = (json.dumps(expected, indent=2, ensure_ascii=False) + "\n").encode()
        else:
            data = _toml_scrub(file.path.read_text(encoding="utf-8"), targets).encode()
            if json.loads(json.dumps(tomllib.loads(data.decode()), default=str)) != expected:
                raise ValueError("toml")
        _atomic_write(file.path, data)
    except (OSError, ValueError):
        raise ProvisioningError(
            f"The secrets were stored, but {file.path} could not be rewritten without them: "
            "delete that file now."
        ) from None
    return [f"{section}.{key}" for section, key in targets]
