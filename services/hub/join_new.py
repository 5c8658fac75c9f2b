"""A new PC joins the practice hub: its empty folder becomes an installation of the hub's practice."""

from __future__ import annotations

from dataclasses import dataclass

from services import installation as inst
from services.clock import Clock
from services.hub.join import HubIdentity, JoinFailed, fetch_ca, join
from services.hub.membership import HubMembership, hub_file
from storage.keystore import KeyStore
from storage.layout import DataLayout


@dataclass(frozen=True)
class Joined:
    installation: inst.Installation
    membership: HubMembership
    passphrase: str  # the new installation's recovery passphrase, shown once


def is_empty(layout: DataLayout) -> bool:
    return not layout.identity_file.exists() and not layout.database.exists()


def join_new_installation(
    layout: DataLayout, keystore: KeyStore, code: str, name: str, clock: Clock
) -> Joined:
    """Check the hub against the code, make the installation, join; on failure leave nothing.

    The caller closes `Joined.installation`.
    """
    if not is_empty(layout):
        raise JoinFailed(
            f"{layout.root} holds an Enamel installation already: join it with "
            "'enamel-admin join CODE' (IT's sign-in). Nothing was changed."
        )
    hub = fetch_ca(code)  # nothing is written before the hub proved it is the practice's
    return join_checked(layout, keystore, hub, name, clock)


def join_checked(
    layout: DataLayout, keystore: KeyStore, hub: HubIdentity, name: str, clock: Clock
) -> Joined:
    if not hub.practice_id:
        raise JoinFailed("The hub's certificate does not name its practice.")
    created = inst.initialise(layout, keystore, hub.practice_id, clock)
    installation = created.installation
    try:
        membership = join(installation, hub, name, clock)
        inst.rewrap_recovery(installation, created.passphrase)  # escrow the practice's key
    except BaseException:
        installation.close()
        keystore.delete(installation.identity.keystore_name)
        for path in [
            *layout.database_files(),
            layout.recovery_file,
            layout.identity_file,
            hub_file(layout),
        ]:
            path.unlink(missing_ok=True)
        raise
    return Joined(installation, membership, created.passphrase)
