"""The first-run wizard's actions: each a call into the services, with what it configures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.bootstrap import Services, build_services
from services.access import Actor, ActorType, Role
from services.archive.backends import FolderBackend, S3Backend
from services.archive.settings import ArchiveSettings, write_s3_keys
from services.audit import AuditEvent
from services.auth import totp
from services.auth.signin import SignInFailed
from services.clock import Clock, SystemClock
from services.installation import initialise
from services.pms.opendental import Mode, OpenDentalClient
from services.pms.settings import PmsSettings, write_keys
from storage.keystore import KeyStore
from storage.layout import DataLayout
from ui.firstrun import FirstRunActions

SETUP = Actor("system_first_run", ActorType.SYSTEM, Role.IT_ADMIN)


@dataclass
class FirstRun:
    layout: DataLayout
    keystore: KeyStore
    clock: Clock = field(default_factory=SystemClock)
    services: Services | None = None
    secrets: dict[str, str] = field(default_factory=dict)

    def _svc(self) -> Services:
        assert self.services is not None, "create the practice first"
        return self.services

    def create_practice(self, practice_id: str) -> str:
        result = initialise(self.layout, self.keystore, practice_id, self.clock)
        self.services = build_services(result.installation, self.clock)
        self._audit("first_run_practice_created")
        return result.passphrase

    def _audit(self, action: str) -> None:
        self._svc().trail.append(
            AuditEvent(action=action, actor=SETUP, resource_type="configuration")
        )

    def test_pms(self, url: str, developer: str, customer: str) -> str:
        client = OpenDentalClient(url, developer, customer, timeout=5.0)
        try:
            providers = client.providers()
        finally:
            client.close()
        inst, now = self._svc().installation, self.clock.now()
        PmsSettings(Mode.URL, url).write(inst.settings, now)
        write_keys(inst.secrets, developer, customer, now)
        self._audit("configuration_change")
        return f"Connected; {len(providers)} providers visible. Saved."

    def test_archive(self, kind: str, options: dict[str, str]) -> str:
        inst, now = self._svc().installation, self.clock.now()
        if kind == "folder":
            summary = FolderBackend(Path(options["path"])).check()
            ArchiveSettings.folder(options["path"]).write(inst.settings, now)
        else:
            config = ArchiveSettings.s3(options["endpoint"], options["bucket"])
            backend = S3Backend(
                config.endpoint, config.bucket, config.region, options["access"], options["secret"]
            )
            summary = backend.check()
            config.write(inst.settings, now)
            write_s3_keys(inst.secrets, options["access"], options["secret"], now)
        self._audit("configuration_change")
        return f"{summary[0].upper()}{summary[1:]}. Saved."

    def create_manager(self, login: str, name: str, password: str) -> tuple[str, str]:
        created = self._svc().users.add(SETUP, login, Role.OFFICE_MANAGER, password, name)
        self.secrets[login.strip().lower()] = created.secret
        return created.otpauth_uri, created.secret

    def confirm_manager(self, login: str, code: str) -> None:
        services = self._svc()
        record = services.accounts.by_login(login)
        secret = self.secrets.get(login.strip().lower())
        step = totp.matching_step(secret, code, self.clock.now()) if secret and record else None
        if (
            record is None
            or step is None
            or not services.accounts.accept_totp_step(record.user_id, step)
        ):
            raise SignInFailed("That code is not right. Type the 6 digits the app shows now.")
        services.accounts.update(record.user_id, totp_enrolled=1)
        self._audit("mfa_enrolled")

    def actions(self) -> FirstRunActions:
        return FirstRunActions(
            self.create_practice,
            self.test_pms,
            self.test_archive,
            self.create_manager,
            self.confirm_manager,
            lambda: str(self.layout.archive_dir),
        )

    def close(self) -> Any:
        if self.services is not None:
            self.services.close()
