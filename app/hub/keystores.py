"""Which key store the hub opens its installation with: `--key-store service|keyring`."""

from __future__ import annotations

import argparse
from pathlib import Path

from storage.keystore import KeyringKeyStore, KeyStore
from storage.service_keystore import ServiceKeyStore

SERVICE = "service"
KEYRING = "keyring"


def add_key_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key-store",
        choices=(SERVICE, KEYRING),
        default=SERVICE,
        help="where the hub's database key lives: 'service' (default), a file in the hub's "
        "folder only its service account reads (Windows: DPAPI, machine scope); 'keyring', "
        "the credential store of the account that runs it",
    )


def hub_key_store(root: Path, choice: str) -> KeyStore:
    return ServiceKeyStore(root) if choice == SERVICE else KeyringKeyStore()
