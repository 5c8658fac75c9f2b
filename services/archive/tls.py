"""TLS 1.3 or nothing for an archive endpoint off this computer."""

from __future__ import annotations

import socket
import ssl

from errors import EnamelError


class TlsTooOld(EnamelError):
    exit_code = 1


def require_tls13(host: str, port: int, ca_file: str | None = None, timeout: float = 5.0) -> str:
    """Handshake with TLS 1.3 as the minimum; returns the negotiated version or raises TlsTooOld."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            return str(tls.version())
    except ssl.SSLError as exc:
        raise TlsTooOld(
            f"The archive at {host} does not offer TLS 1.3 ({exc.reason or 'handshake failed'}); "
            "Enamel will not send audit batches over an older protocol."
        ) from None
    except OSError as exc:
        raise TlsTooOld(
            f"The archive at {host} cannot be reached ({exc.strerror or type(exc).__name__})."
        ) from None
