"""TLS 1.3 or nothing for an archive endpoint off this computer, straight or through a proxy."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

from errors import EnamelError


class TlsTooOld(EnamelError):
    exit_code = 1


class TlsCertificateRefused(TlsTooOld):
    """The archive offers TLS 1.3 but its certificate failed the checks: nothing was sent.

    It keeps the host and OpenSSL's verify code so a caller with another way of giving the CA
    file (the wizard's field) can say it in its own words with `told`."""

    def __init__(self, host: str, verify_code: int, private_ca: str = "") -> None:
        super().__init__(certificate_problem(host, verify_code, private_ca or CA_FILE_COMMAND))
        self.host, self.verify_code = host, verify_code

    @property
    def untrusted(self) -> bool:
        """Signed by a CA this PC does not trust (not expired, not another name)."""
        return self.verify_code not in _EXPIRED | _NAME

    def told(self, private_ca: str) -> TlsCertificateRefused:
        """The same refusal with `private_ca` as what to do about a private CA."""
        return TlsCertificateRefused(self.host, self.verify_code, private_ca)


# OpenSSL's X509_V_ERR_* codes for the cases a person can act on differently.
_EXPIRED = {9, 10}  # not yet valid, has expired
_NAME = {62}  # host name mismatch
_CA_SETTING = "archive.s3.ca_file"
# What to do about a private CA for a caller on the command line (`archive check`, the job).
CA_FILE_COMMAND = (
    "If the archive uses the practice's own (private) CA, give that CA's file: "
    f"'enamel-admin archive set s3 ... --ca-file FILE' (the setting {_CA_SETTING})."
)


def certificate_problem(host: str, code: int, private_ca: str = CA_FILE_COMMAND) -> str:
    """What to do about a certificate the archive showed (OpenSSL's verify `code`), with
    `private_ca` as the way to give a private CA's file: no raw exception text in it."""
    if code in _EXPIRED:
        what = "a certificate that has expired or is not valid yet"
        todo = (
            "The archive's operator renews the certificate; if it is new, check this PC's date "
            "and time."
        )
    elif code in _NAME:
        what = f"a certificate for another name than {host}"
        todo = (
            "Check the endpoint address: use the name the archive's operator gives, not an IP "
            "address or an alias."
        )
    else:
        what = "a certificate not signed by a certificate authority this PC trusts"
        todo = f"{private_ca} If not, someone else may be answering in the archive's place."
    return (
        f"The archive at {host} showed {what}, so it could not prove it is the archive; "
        f"nothing was sent to it. {todo}"
    )


def open_tunnel(proxy: str, host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to host:port through the HTTP proxy `proxy` (http://host:port), with
    CONNECT: what any HTTPS client behind an office proxy does. Raises OSError or TlsTooOld."""
    parts = urlsplit(proxy)
    raw = socket.create_connection((parts.hostname or "", parts.port or 80), timeout=timeout)
    try:
        target = f"{host}:{port}"
        raw.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode("ascii"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = raw.recv(4096)
            if not chunk or len(answer) > 16384:
                raise TlsTooOld(f"The proxy {parts.hostname} closed the connection to {host}.")
            answer += chunk
        status = answer.split(b"\r\n", 1)[0].split(b" ")
        if len(status) < 2 or status[1] != b"200":
            code = status[1].decode("ascii", "replace") if len(status) > 1 else "?"
            raise TlsTooOld(
                f"The proxy {parts.hostname} refused to connect to the archive at {host} "
                f"(HTTP {code}); ask the practice's IT to allow it."
            )
        return raw
    except BaseException:
        raw.close()
        raise


def require_tls13(
    host: str,
    port: int,
    ca_file: str | None = None,
    timeout: float = 5.0,
    proxy: str | None = None,
) -> str:
    """Handshake with TLS 1.3 as the minimum; returns the negotiated version or raises TlsTooOld
    (TlsCertificateRefused when the version is fine but the certificate is not).

    With `proxy`, the handshake runs inside a CONNECT tunnel, end to end with the archive.
    """
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    try:
        raw = (
            open_tunnel(proxy, host, port, timeout)
            if proxy
            else socket.create_connection((host, port), timeout=timeout)
        )
        with raw, context.wrap_socket(raw, server_hostname=host) as tls:
            return str(tls.version())
    except ssl.SSLCertVerificationError as exc:
        raise TlsCertificateRefused(host, exc.verify_code) from None
    except ssl.SSLError as exc:
        raise TlsTooOld(
            f"The archive at {host} does not offer TLS 1.3 ({exc.reason or 'handshake failed'}); "
            "Enamel will not send audit batches over an older protocol."
        ) from None
    except OSError as exc:
        via = " through the proxy" if proxy else ""
        raise TlsTooOld(
            f"The archive at {host} cannot be reached{via} ({exc.strerror or type(exc).__name__})."
        ) from None
