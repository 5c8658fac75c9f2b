"""PYTHON_KEYRING_BACKEND naming a store that is not installed: a sentence, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import admin_process


@pytest.mark.parametrize(
    "backend", ["keyrings.nothere.Backend", "keyring.backends.fail.NoSuchClass"]
)
def test_a_backend_that_is_not_installed_is_named_with_the_fix(
    backend: str, data_dir: Path
) -> None:
    done = admin_process(
        "--data-dir", str(data_dir), "init", "--practice-id", "kr-01",
        env={"PYTHON_KEYRING_BACKEND": backend},
    )  # fmt: skip
    said = done.out + done.err
    assert done.code != 0 and "Traceback" not in said
    assert f"PYTHON_KEYRING_BACKEND names the credential store '{backend}'" in said
    assert "--list-backends" in said
    assert not (data_dir / "enamel.db").exists()
