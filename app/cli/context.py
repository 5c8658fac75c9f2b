"""What every enamel-admin command gets: paths, keys, a clock, the installation, the proven admin."""

from __future__ import annotations

import argparse
import getpass
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.bootstrap import Services, build_services
from app.cli.admin_auth import (
    PersonCredentials,
    SignInRequest,
    Source,
    read_credentials,
    read_recovery_passphrase,
)
from app.logging_setup import configure_logging
from app.paths import layout_for
from services.access import Actor, ActorType, Permission, Role, may
from services.auth.admin_signin import AdminSignIn, check_recovery_passphrase, recovery_actor
from services.clock import Clock, clock_from_option
from services.installation import Installation, open_installation
from storage.keystore import DemoKeyStore, KeyringKeyStore, KeyStore
from storage.layout import DataLayout
from storage.service_keystore import ServiceKeyStore, uses_service_keys


class CommandModule(Protocol):
    def register(self, sub: Any) -> None: ...


@dataclass
class CliContext:
    layout: DataLayout
    demo: bool
    clock: Clock
    sign_in: SignInRequest = field(default_factory=SignInRequest)
    _installation: Installation | None = None
    _keystore: KeyStore | None = None
    _services: Services | None = None
    _admin: Actor | None = None
    _passphrase: str | None = None
    key_store: str = ""  # "service" | "keyring" | "": the folder says (service-keys/ or not)

    @staticmethod
    def from_args(args: argparse.Namespace, clock: Clock | None = None) -> CliContext:
        """`clock`: the caller's (tests, an embedding program); else `--clock-start` or the system's."""
        return CliContext(
            layout=layout_for(args.data_dir, demo=args.demo),
            demo=args.demo,
            clock=clock or clock_from_option(args.clock_start),
            sign_in=SignInRequest.from_args(args),
        )

    def keystore(self) -> KeyStore:
        if self._keystore is None:
            service = self.key_store == "service" or (
                not self.key_store and uses_service_keys(self.layout.root)
            )
            if self.demo:
                self._keystore = DemoKeyStore(self.layout.root)
            elif service:
                self._keystore = ServiceKeyStore(self.layout.root)
            else:
                self._keystore = KeyringKeyStore()
        return self._keystore

    def start_logging(self) -> None:
        if self.layout.root.exists():
            try:
                configure_logging(self.layout.log_dir)
            except OSError:
                logging.getLogger("app.cli").debug("cli.no_log_file")

    def installation(self) -> Installation:
        if self._installation is None:
            self.layout.ensure_writable()
            self.start_logging()
            self._installation = open_installation(self.layout, self.keystore())
        return self._installation

    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.installation(), self.clock)
        return self._services

    def cli_actor(self) -> Actor:
        """Whoever runs an open command (status, checks, lists), named by their OS account.

        Never for a command that changes accounts, roles, keys or connections or exports
        data: those use `admin_actor`, after `authenticated`.
        """
        return Actor(
            actor_id=f"cli_{getpass.getuser()}", actor_type=ActorType.HUMAN, role=Role.IT_ADMIN
        )

    def authenticated(self, permission: Permission) -> Actor:
        """The person running this command, proven once and allowed `permission`.

        The credentials come as the command's options say (app/cli/admin_auth.py); a person
        signs in through AuthService, so throttling, lock-out and TOTP replay protection
        apply, and a refusal is recorded. Raises (exit 1 or 2) with nothing changed.
        """
        services = self.services()
        access = AdminSignIn(services.auth, services.trail, self.layout.recovery_file)
        if self._admin is None:
            nobody_may = self.sign_in.source is Source.TERMINAL and not any(
                may(services.auth.actor_for(record), permission)
                for record in services.accounts.all()
                if record.totp_enrolled and not record.disabled
            )
            credentials = read_credentials(self.sign_in, offer_passphrase_first=nobody_may)
            if isinstance(credentials, PersonCredentials):
                self._admin = access.person(
                    credentials.login, credentials.password, credentials.code
                )
            else:
                self._admin = access.recovery(credentials)
        access.authorise(self._admin, permission, self.sign_in.command)
        return self._admin

    def verified_passphrase(self) -> str:
        """The recovery passphrase, checked against this installation's recovery file.

        For commands that need the passphrase itself (backups, key rotation), which may run
        while the database cannot be opened: the passphrase is the proof, and their own audit
        entries name the recovery actor (`admin_actor`).
        """
        if self._passphrase is None:
            passphrase = read_recovery_passphrase(self.sign_in)
            self._admin = check_recovery_passphrase(self.layout.recovery_file, passphrase)
            self._passphrase = passphrase
        return self._passphrase

    def unchecked_passphrase(self) -> str:
        """The recovery passphrase where no recovery file exists to check it against (a backup
        restored on a new PC's empty folder). The caller must prove it by opening what it
        protects (the backup) before it changes anything; the actor is the recovery actor.
        """
        if self._passphrase is None:
            self._passphrase = read_recovery_passphrase(self.sign_in)
            self._admin = recovery_actor()
        return self._passphrase

    def admin_actor(self) -> Actor:
        """The actor proven by `authenticated` or `verified_passphrase` for this command."""
        if self._admin is None:
            raise RuntimeError("a protected command's handler ran without authentication")
        return self._admin

    def close(self) -> None:
        self._services = None
        if self._installation is not None:
            self._installation.close()
            self._installation = None
