"""The practice CA: its certificate, the hub's server certificate, workstation certificates, TLS contexts."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from errors import EnamelError

CA_YEARS = 10
SERVER_YEARS = 10
WORKSTATION_YEARS = 2
_DAYS_PER_YEAR = 365


class PkiError(EnamelError):
    """A certificate or a certificate request the practice cannot use."""


@dataclass(frozen=True)
class IssuedKeyPair:
    """A certificate and its private key, both PEM."""

    cert_pem: str
    key_pem: str


def new_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_private_key(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError("The key is not an EC key.")
    return key


def new_serial() -> int:
    # 159 bits: positive and within the 20 octets RFC 5280 allows.
    return secrets.randbits(159) | 1


def load_cert(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError as exc:
        raise PkiError("The certificate could not be read.") from exc


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def fingerprint(cert_pem_text: str) -> str:
    """sha256 of the certificate's DER, lower-case hex (the join code's `f`)."""
    der = load_cert(cert_pem_text).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def fingerprint_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def make_ca(practice_id: str, now: datetime) -> IssuedKeyPair:
    """A self-signed EC P-256 practice CA, valid ten years from `now`."""
    key = new_private_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"Enamel practice CA {practice_id}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, practice_id),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(new_serial())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_YEARS * _DAYS_PER_YEAR))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return IssuedKeyPair(cert_pem(cert), private_key_pem(key))


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def server_hosts(addresses: list[str]) -> list[str]:
    """The hub's SANs: always 127.0.0.1 and localhost, then the given names, each once."""
    hosts: list[str] = []
    for host in ["127.0.0.1", "localhost", *addresses]:
        host = host.strip()
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def _leaf_builder(
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    ca: IssuedKeyPair,
    now: datetime,
    years: int,
    serial: int,
) -> x509.CertificateBuilder:
    ca_cert = load_cert(ca.cert_pem)
    ca_key = load_private_key(ca.key_pem)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=years * _DAYS_PER_YEAR))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )


def issue_server_cert(ca: IssuedKeyPair, addresses: list[str], now: datetime) -> IssuedKeyPair:
    """The hub's TLS certificate with its addresses as SANs, server-auth EKU."""
    key = new_private_key()
    hosts = server_hosts(addresses)
    builder = _leaf_builder(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enamel-hub")]),
        key.public_key(),
        ca,
        now,
        SERVER_YEARS,
        new_serial(),
    )
    cert = (
        builder.add_extension(
            x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(load_private_key(ca.key_pem), hashes.SHA256())
    )
    return IssuedKeyPair(cert_pem(cert), private_key_pem(key))


def make_csr(workstation_id: str, key: ec.EllipticCurvePrivateKey) -> str:
    """A certificate request whose CN is the workstation id (the workstation side)."""
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, workstation_id)]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def csr_common_name(csr_pem: str) -> str:
    csr = _load_csr(csr_pem)
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        raise PkiError("The certificate request must name exactly one workstation.")
    value = names[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


def _load_csr(csr_pem: str) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise PkiError("The certificate request could not be read.") from exc
    if not csr.is_signature_valid:
        raise PkiError("The certificate request's signature is not valid.")
    return csr


def issue_workstation_cert(
    ca: IssuedKeyPair, csr_pem: str, workstation_id: str, now: datetime, serial: int
) -> str:
    """A client certificate for the workstation, CN = its id, 2 years, client-auth EKU."""
    csr = _load_csr(csr_pem)
    if csr_common_name(csr_pem) != workstation_id:
        raise PkiError("The certificate request does not name this workstation.")
    public_key = csr.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise PkiError("The certificate request must carry an EC key.")
    builder = _leaf_builder(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, workstation_id)]),
        public_key,
        ca,
        now,
        WORKSTATION_YEARS,
        serial,
    )
    cert = (
        builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(load_private_key(ca.key_pem), hashes.SHA256())
    )
    return cert_pem(cert)


def cert_serial(cert_pem_text: str) -> int:
    return load_cert(cert_pem_text).serial_number


def cert_common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names:
        return ""
    value = names[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


def _tls13(context: ssl.SSLContext) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    return context


def _load_chain(context: ssl.SSLContext, cert: str, key: str) -> None:
    # ssl only loads a chain from files: write them to a private temporary folder for the call.
    with tempfile.TemporaryDirectory(prefix="enamel-tls-") as folder:
        cert_path = Path(folder) / "cert.pem"
        key_path = Path(folder) / "key.pem"
        cert_path.write_text(cert, encoding="ascii")
        key_path.touch(mode=0o600)
        key_path.write_text(key, encoding="ascii")
        context.load_cert_chain(str(cert_path), str(key_path))


def server_context(ca_pem: str, server: IssuedKeyPair) -> ssl.SSLContext:
    """The hub's TLS 1.3 context: asks for (does not require) a certificate of the practice CA."""
    context = _tls13(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    context.verify_mode = ssl.CERT_OPTIONAL
    context.load_verify_locations(cadata=ca_pem)
    _load_chain(context, server.cert_pem, server.key_pem)
    return context


def client_context(ca_pem: str, client: IssuedKeyPair | None = None) -> ssl.SSLContext:
    """A workstation's TLS 1.3 context: trusts only the practice CA, checks the host name."""
    context = _tls13(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=ca_pem)
    if client is not None:
        _load_chain(context, client.cert_pem, client.key_pem)
    return context


def unverified_context() -> ssl.SSLContext:
    """For `GET /v1/ca` only: the CA is checked against the join code's fingerprint instead."""
    context = _tls13(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
