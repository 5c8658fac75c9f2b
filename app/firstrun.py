"""The first-run wizard's actions: each a call into the services, with what it configures."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.bootstrap import Services, build_services
from errors import EnamelError
from services.access import Actor, ActorType, Role
from services.archive.backends import FolderBackend, S3Backend
from services.archive.placement import same_disk_problem
from services.archive.settings import ArchiveSettings, ca_file_problem, write_s3_keys
from services.archive.tls import TlsCertificateRefused
from services.audit import AuditEvent
from services.auth.signin import SignInFailed
from services.clock import Clock, SystemClock
from services.installation import UsageError, initialise
from services.pms.http import RetryPolicy
from services.pms.opendental import Mode, OpenDentalClient, base_url_for, reject_unknown_mode
from services.pms.settings import PmsSettings, write_keys
from storage.accounts_repo import CodeCheck
from storage.keystore import KeyStore
from storage.layout import DataLayout
from ui.firstrun import ArchiveChoice, FirstRunActions, PmsChoice

SETUP = Actor("system_first_run", ActorType.SYSTEM, Role.IT_ADMIN)
# What to do about a private CA on the wizard's archive page: its field, not the command.
WIZARD_PRIVATE_CA = (
    "If the archive uses the practice's own (private) CA, choose that CA's certificate in "
    "'CA certificate file' above and test again."
)
WIZARD_OTHER_CA = (
    "The file in 'CA certificate file' is not the CA that signed it: choose the practice CA's "
    "own certificate and test again."
)


class ArchiveOnDataDisk(EnamelError):
    """An archive folder on the disk that holds the data it is meant to outlive."""

    exit_code = 2


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

    def join_practice(self, code: str, name: str) -> str:
        """This PC joins the practice hub with IT's join code; the recovery passphrase."""
        from services.hub.join_new import join_new_installation

        pc = name.strip() or platform.node() or "workstation"
        joined = join_new_installation(self.layout, self.keystore, code.strip(), pc, self.clock)
        self.services = build_services(joined.installation, self.clock)
        self._audit("configuration_change")
        return joined.passphrase

    def _audit(self, action: str) -> None:
        self._svc().trail.append(
            AuditEvent(action=action, actor=SETUP, resource_type="configuration")
        )

    def test_pms(self, choice: PmsChoice, developer: str, customer: str) -> str:
        """Connect with what IT typed; only a passing test saves the settings and the keys."""
        mode = reject_unknown_mode(choice.mode)
        address = choice.address.strip()
        if mode is Mode.SERVICE and not address:
            raise UsageError("Type the name or IP address of the server the API Service runs on.")
        if mode is Mode.URL and not address:
            raise UsageError("Type the API's full address, https://…/api/v1.")
        if not developer or not customer:
            raise UsageError("Type both keys: the developer key and the customer key.")
        base = address if mode is Mode.URL else base_url_for(mode, address)
        host = urlsplit(base).hostname or ""
        allowed = frozenset({host}) if choice.allow_http and host else frozenset()
        config = PmsSettings(mode, base, address if mode is Mode.SERVICE else "", allowed)
        client = OpenDentalClient(
            base,
            developer,
            customer,
            page_size=config.effective_page_size(),
            timeout=5.0,
            retry=RetryPolicy(attempts=2, base_delay=0.5),
            allow_http_hosts=allowed,
        )
        try:
            providers = client.providers()
        finally:
            client.close()
        inst, now = self._svc().installation, self.clock.now()
        config.write(inst.settings, now)
        write_keys(inst.secrets, developer, customer, now)
        self._audit("configuration_change")
        return f"Connected to {base}; {len(providers)} providers visible. Saved."

    def test_archive(self, choice: ArchiveChoice) -> str:
        from services.hub.membership import hub_file

        if hub_file(self.layout).exists():  # a joined PC holds no archive credentials
            raise UsageError(
                "This PC joined the practice hub, which archives the audit trail for the whole "
                "practice: leave this page empty. IT sets the archive at the hub."
            )
        inst, now = self._svc().installation, self.clock.now()
        if choice.kind == "folder":
            if not choice.folder:
                raise UsageError("Type the archive folder: a network share or a removable drive.")
            folder = Path(choice.folder).expanduser()
            shared = same_disk_problem(folder, self.layout.root)
            if shared is not None and not choice.removable:
                raise ArchiveOnDataDisk(
                    f"{shared} If it really is a removable or network drive, tick the box "
                    "that says so."
                )
            summary = FolderBackend(folder).check()
            ArchiveSettings.folder(folder).write(inst.settings, now)
        else:
            if not (choice.endpoint and choice.bucket and choice.access and choice.secret):
                raise UsageError("Type the S3 endpoint, the bucket and both access keys.")
            problem = ca_file_problem(choice.ca_file)
            if problem is not None:
                raise UsageError(problem)
            config = ArchiveSettings.s3(choice.endpoint, choice.bucket, ca_file=choice.ca_file)
            backend = S3Backend(
                config.endpoint,
                config.bucket,
                config.region,
                choice.access,
                choice.secret,
                ca_file=config.ca_file or None,
            )
            try:
                summary = backend.check()
            except TlsCertificateRefused as exc:
                if not exc.untrusted:
                    raise
                raise exc.told(
                    WIZARD_PRIVATE_CA if not choice.ca_file else WIZARD_OTHER_CA
                ) from None
            config.write(inst.settings, now)
            write_s3_keys(inst.secrets, choice.access, choice.secret, now)
        self._audit("configuration_change")
        return f"{summary[0].upper()}{summary[1:]}. Saved."

    def create_manager(self, login: str, name: str, password: str) -> tuple[str, str]:
        created = self._svc().users.add(  # the manager typed their own password here
            SETUP, login, Role.OFFICE_MANAGER, password, name, temporary=False
        )
        self.secrets[login.strip().lower()] = created.secret
        return created.otpauth_uri, created.secret

    def confirm_manager(self, login: str, code: str) -> None:
        services = self._svc()
        record = services.accounts.by_login(login)
        if (
            record is None
            or login.strip().lower() not in self.secrets
            or services.accounts.accept_totp_code(record.user_id, code, self.clock.now())
            is not CodeCheck.ACCEPTED
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
            self.join_practice,
        )

    def close(self) -> Any:
        if self.services is not None:
            self.services.close()
