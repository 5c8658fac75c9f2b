"""`enamel-admin archive set s3 --ca-file`: a file that does not exist or holds no PEM
certificate is refused with a message and nothing is changed (the wizard's field uses the
same check, `services.archive.settings.ca_file_problem`)."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import Services
from tests.archive.tls_server import make_pki
from tests.support import admin, admin_recovery, known_passphrase


def test_archive_set_s3_refuses_a_missing_or_non_certificate_ca_file(
    services: Services, data_dir: Path, tmp_path: Path
) -> None:
    passphrase = known_passphrase(services)
    services.close()
    ca, _, key = make_pki(tmp_path)
    root = str(data_dir)

    def set_with(ca_file: Path) -> tuple[int, str]:
        done = admin_recovery(
            "--data-dir", root, "archive", "set", "s3", "--endpoint", "https://localhost:9000",
            "--bucket", "audit", "--ca-file", str(ca_file), "--keys-stdin",
            passphrase=passphrase, stdin="access\nsecret\n",
        )  # fmt: skip
        return done.code, done.err + done.out

    code, said = set_with(tmp_path / "missing.pem")
    assert code == 2 and "does not exist" in said and "Nothing was changed" in said, said
    code, said = set_with(key)  # PEM, but a private key
    assert code == 2 and "holds no PEM certificate" in said, said
    assert "PRIVATE KEY" not in said and "Traceback" not in said
    status = admin("--data-dir", root, "archive", "status")
    assert "localhost:9000" not in status.out + status.err  # nothing was set
    code, said = set_with(ca)
    assert code == 0, said
