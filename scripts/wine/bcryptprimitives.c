/*
 * TEST-ONLY stand-in for Windows 10's bcryptprimitives.dll, for running the
 * x86_64-pc-windows-gnu build under Debian's wine 8, which lacks it. Rust's
 * std (since 1.78) imports ProcessPrng from it; this forwards to
 * RtlGenRandom (advapi32's SystemFunction036), which wine has.
 *
 * Never ship this: real Windows 10 / Server 2016+ has the real DLL.
 * scripts/cross.sh builds it next to the test binaries only.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
