"""Windows DPAPI with machine scope (ctypes, crypt32) and the key folder's access list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CRYPTPROTECT_UI_FORBIDDEN = 0x1
CRYPTPROTECT_LOCAL_MACHINE = 0x4
ENTROPY = b"enamel service key v1"  # ties a blob to this use; not a secret
ADMINISTRATORS = "*S-1-5-32-544"
SYSTEM = "*S-1-5-18"


def _crypt(data: bytes, protect: bool) -> bytes:
    if sys.platform != "win32":
        raise OSError("DPAPI is Windows only")
    import ctypes
    from ctypes import wintypes

    class Blob(ctypes.Structure):
        _fields_ = [("cbData", wintypes.DWORD), ("pbData", ctypes.POINTER(ctypes.c_char))]

    def blob(raw: bytes) -> Blob:
        buffer = ctypes.create_string_buffer(raw, len(raw))
        return Blob(len(raw), ctypes.cast(buffer, ctypes.POINTER(ctypes.c_char)))

    crypt32 = ctypes.WinDLL("crypt32", use_last_error=True)
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    source, entropy, out = blob(data), blob(ENTROPY), Blob()
    flags = CRYPTPROTECT_UI_FORBIDDEN | (CRYPTPROTECT_LOCAL_MACHINE if protect else 0)
    if protect:
        ok = crypt32.CryptProtectData(
            ctypes.byref(source), None, ctypes.byref(entropy), None, None, flags, ctypes.byref(out)
        )
    else:
        ok = crypt32.CryptUnprotectData(
            ctypes.byref(source), None, ctypes.byref(entropy), None, None, flags, ctypes.byref(out)
        )
    if not ok:
        raise OSError(f"DPAPI error {ctypes.get_last_error()}")
    try:
        return ctypes.string_at(out.pbData, out.cbData)
    finally:
        kernel32.LocalFree(out.pbData)


def protect(secret: bytes) -> bytes:
    return _crypt(secret, protect=True)


def unprotect(blob: bytes) -> bytes:
    return _crypt(blob, protect=False)


def restrict_to_administrators(folder: Path) -> None:
    """Only Administrators and SYSTEM may open the folder (inherited by its files)."""
    subprocess.run(
        ["icacls", str(folder), "/inheritance:r",
         "/grant:r", f"{ADMINISTRATORS}:(OI)(CI)F", "/grant:r", f"{SYSTEM}:(OI)(CI)F"],
        check=True, capture_output=True,
    )  # fmt: skip
