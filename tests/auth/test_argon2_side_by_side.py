"""Argon2id checks on several threads of one process at once: they all end (OpenSSL's thread cap)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# Four-lane hashes (production's lanes) at a test-sized memory, checked on six threads at once,
# and a recovery key derived beside them; each check asks OpenSSL for min(4, cores) threads.
CHILD = textwrap.dedent(
    """
    import threading
    from services.auth import passwords
    from storage import recovery

    params = passwords.HashParams(time_cost=1, memory_kib=8 * 1024, lanes=4)
    hashed = passwords.hash_password("correct horse battery staple", params)
    results = []

    def check() -> None:
        for _ in range(3):
            results.append(passwords.verify_password(hashed, "correct horse battery staple"))

    def derive() -> None:
        recovery._kdf("ABCDE-FGHJK", b"0123456789abcdef", 1, 8 * 1024, 4)
        results.append(True)

    threads = [threading.Thread(target=check) for _ in range(6)]
    threads.append(threading.Thread(target=derive))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(len(results), all(results))
    """
)


def test_argon2_checks_on_many_threads_at_once_all_end() -> None:
    # Without the gate (storage/argon2_gate.py) two such checks at once on two cores wait on
    # each other for ever: the child is stopped at the timeout and the test fails.
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["19", "True"]
