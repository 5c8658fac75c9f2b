/* Stand-in for Windows 10's bcryptprimitives.dll, for Wine 8.0 only (it has none): the Rust
 * standard library in cryptography's extension imports ProcessPrng. It forwards to bcrypt's
 * system RNG, which Wine has. Built by scripts/test-windows with mingw-w64 into the Wine
 * prefix; never shipped. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            ExitProcess(0xC000000D);  /* as Windows does: a process never gets "no random bytes" */
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
