"""The hub's own configuration inside its installation: the practice CA, its TLS certificate, address."""

from __future__ import annotations

from dataclasses import dataclass

from services.clock import Clock
from services.hub import pki
from services.hub.errors import NotAHub
from services.installation import Installation

CA_CERT = "hub.ca_cert"
SERVER_CERT = "hub.server_cert"
ADDRESSES = "hub.addresses"
PORT = "hub.port"
CA_KEY = "key.hub_ca"  # secrets table
SERVER_KEY = "key.hub_server"
DEFAULT_PORT = 8443


@dataclass(frozen=True)
class HubConfig:
    ca: pki.IssuedKeyPair
    server: pki.IssuedKeyPair
    addresses: list[str]
    port: int

    @property
    def ca_fingerprint(self) -> str:
        return pki.fingerprint(self.ca.cert_pem)

    def url(self) -> str:
        """The address workstations are told (the first given at init, else 127.0.0.1)."""
        hosts = [h for h in self.addresses if h] or ["127.0.0.1"]
        host = hosts[0]
        if ":" in host:  # an IPv6 literal
            host = f"[{host}]"
        return f"https://{host}:{self.port}"


def init_hub(
    installation: Installation, addresses: list[str], port: int, clock: Clock
) -> HubConfig:
    """Make the practice CA and the hub's certificate in a freshly initialised installation."""
    now = clock.now()
    ca = pki.make_ca(installation.practice_id, now)
    server = pki.issue_server_cert(ca, addresses, now)
    installation.secrets.put(CA_KEY, ca.key_pem.encode("ascii"), now)
    installation.secrets.put(SERVER_KEY, server.key_pem.encode("ascii"), now)
    installation.settings.set(CA_CERT, ca.cert_pem, now)
    installation.settings.set(SERVER_CERT, server.cert_pem, now)
    installation.settings.set(ADDRESSES, ",".join(addresses), now)
    installation.settings.set(PORT, str(port), now)
    return load_hub(installation)


def change_addresses(
    installation: Installation, addresses: list[str], port: int | None, clock: Clock
) -> HubConfig:
    """A new server certificate naming the hub's new addresses (a hub restored on another
    machine): issued by the same practice CA, so the workstations trust it as before. The hub
    serves it once restarted; invitations from then on carry the first address."""
    config = load_hub(installation)
    now = clock.now()
    server = pki.issue_server_cert(config.ca, addresses, now)
    installation.secrets.put(SERVER_KEY, server.key_pem.encode("ascii"), now)
    installation.settings.set(SERVER_CERT, server.cert_pem, now)
    installation.settings.set(ADDRESSES, ",".join(addresses), now)
    if port is not None:
        installation.settings.set(PORT, str(port), now)
    return load_hub(installation)


def load_hub(installation: Installation) -> HubConfig:
    settings = installation.settings
    ca_cert, server_cert = settings.get(CA_CERT), settings.get(SERVER_CERT)
    ca_key, server_key = installation.secrets.get(CA_KEY), installation.secrets.get(SERVER_KEY)
    if not (ca_cert and server_cert and ca_key and server_key):
        raise NotAHub(
            f"{installation.layout.root} is an Enamel installation but not a practice hub. "
            "Make a hub with 'enamel-admin hub init' in a folder of its own."
        )
    addresses = [a for a in (settings.get(ADDRESSES) or "").split(",") if a]
    return HubConfig(
        ca=pki.IssuedKeyPair(ca_cert, ca_key.decode("ascii")),
        server=pki.IssuedKeyPair(server_cert, server_key.decode("ascii")),
        addresses=addresses,
        port=int(settings.get(PORT) or DEFAULT_PORT),
    )
