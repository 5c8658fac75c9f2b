"""What every enamel-admin command gets: paths, the credential store, a clock, an open installation."""

from __future__ import annotations

import argparse
import getpass
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from app.bootstrap import Services, build_services
from app.logging_setup import configure_logging
from app.paths import layout_for
from services.access import Actor, ActorType, Role
from services.clock import Clock, clock_from_option
from services.installation import Installation, open_installation
from storage.keystore import DemoKeyStore, KeyringKeyStore, KeyStore
from storage.layout import DataLayout


class CommandModule(Protocol):
    def register(self, sub: Any) -> None: ...


@dataclass
class CliContext:
    layout: DataLayout
    demo: bool
    clock: Clock
    _installation: Installation | None = None
    _keystore: KeyStore | None = None
    _services: Services | None = None

    @staticmethod
    def from_args(args: argparse.Namespace, clock: Clock | None = None) -> CliContext:
        """`clock`: the caller's (tests, an embedding program); else `--clock-start` or the system's."""
        return CliContext(
            layout=layout_for(args.data_dir, demo=args.demo),
            demo=args.demo,
            clock=clock or clock_from_option(args.clock_start),
        )

    def keystore(self) -> KeyStore:
        if self._keystore is None:
            self._keystore = DemoKeyStore(self.layout.root) if self.demo else KeyringKeyStore()
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
        """The person at the admin command line, identified by their OS account."""
        return Actor(
            actor_id=f"cli_{getpass.getuser()}", actor_type=ActorType.HUMAN, role=Role.IT_ADMIN
        )

    def close(self) -> None:
        self._services = None
        if self._installation is not None:
            self._installation.close()
            self._installation = None
