"""The practice CA: certificates it issues, their names and serials, and TLS 1.3-only contexts."""

from __future__ import annotations

import hashlib
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from services.clock import TEST_EPOCH
from services.hub import pki


@pytest.fixture(scope="module")
def ca() -> pki.IssuedKeyPair:
    return pki.make_ca("practice-1", TEST_EPOCH)


def test_ca_is_a_ten_year_self_signed_ec_ca(ca: pki.IssuedKeyPair) -> None:
    cert = pki.load_cert(ca.cert_pem)
    assert cert.issuer == cert.subject
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (cert.not_valid_after_utc - TEST_EPOCH).days >= 3649
    cert.verify_directly_issued_by(cert)


def test_fingerprint_is_sha256_of_der(ca: pki.IssuedKeyPair) -> None:
    der = pki.load_cert(ca.cert_pem).public_bytes(serialization.Encoding.DER)
    assert pki.fingerprint(ca.cert_pem) == hashlib.sha256(der).hexdigest()
    assert len(pki.fingerprint(ca.cert_pem)) == 64


def test_server_cert_names_loopback_and_given_addresses(ca: pki.IssuedKeyPair) -> None:
    server = pki.issue_server_cert(ca, ["hub.office.lan", "192.168.1.10"], TEST_EPOCH)
    cert = pki.load_cert(server.cert_pem)
    cert.verify_directly_issued_by(pki.load_cert(ca.cert_pem))
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"localhost", "hub.office.lan"}
    assert {str(a) for a in sans.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "192.168.1.10",
    }
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku


def test_workstation_cert_from_csr(ca: pki.IssuedKeyPair) -> None:
    key = pki.new_private_key()
    csr = pki.make_csr("ws-front-1", key)
    serial = pki.new_serial()
    pem = pki.issue_workstation_cert(ca, csr, "ws-front-1", TEST_EPOCH, serial)
    cert = pki.load_cert(pem)
    cert.verify_directly_issued_by(pki.load_cert(ca.cert_pem))
    assert cert.serial_number == serial == pki.cert_serial(pem)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ws-front-1"
    assert (cert.not_valid_after_utc - TEST_EPOCH).days in range(729, 731)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    assert cert.public_key() == key.public_key()


def test_csr_naming_another_workstation_is_refused(ca: pki.IssuedKeyPair) -> None:
    csr = pki.make_csr("ws-other", pki.new_private_key())
    with pytest.raises(pki.PkiError):
        pki.issue_workstation_cert(ca, csr, "ws-front-1", TEST_EPOCH, pki.new_serial())


def test_garbage_csr_is_a_clear_error(ca: pki.IssuedKeyPair) -> None:
    with pytest.raises(pki.PkiError, match="could not be read"):
        pki.issue_workstation_cert(ca, "not a csr", "ws", TEST_EPOCH, 1)


def test_serials_differ_and_are_positive() -> None:
    serials = {pki.new_serial() for _ in range(50)}
    assert len(serials) == 50
    assert all(0 < s < 2**159 for s in serials)


def test_contexts_are_tls13_only(ca: pki.IssuedKeyPair) -> None:
    server = pki.issue_server_cert(ca, [], TEST_EPOCH)
    s = pki.server_context(ca.cert_pem, server)
    c = pki.client_context(ca.cert_pem)
    for context in (s, c, pki.unverified_context()):
        assert context.minimum_version == ssl.TLSVersion.TLSv1_3
        assert context.maximum_version == ssl.TLSVersion.TLSv1_3
    assert s.verify_mode == ssl.CERT_OPTIONAL
    assert c.verify_mode == ssl.CERT_REQUIRED and c.check_hostname
