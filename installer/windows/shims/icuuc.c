/* Stand-in for Windows 10's icuuc.dll, for Wine 8.0 only (it has none): PySide6's Qt6Core
 * imports these 20 ucnv_* functions. No converter exists here, so Qt falls back to its own
 * UTF-8/UTF-16/Latin-1 codecs and to the Windows code page API, which is all Enamel uses.
 * Built by scripts/test-windows with mingw-w64 into the Wine prefix; never shipped. */
#include <stddef.h>
#include <stdint.h>

typedef int UErrorCode;           /* ICU's enum: > 0 is a failure */
typedef uint16_t UChar;
typedef int32_t UChar32;
typedef int8_t UBool;
typedef struct UConverter UConverter;
typedef void (*UConverterCallback)(void);  /* both callback kinds: never called here */

enum { U_ILLEGAL_ARGUMENT_ERROR = 1, U_FILE_ACCESS_ERROR = 4, U_UNSUPPORTED_ERROR = 16 };

#define EXPORT __declspec(dllexport)

static int failed(UErrorCode *err) { return err == NULL || *err > 0; }
static void fail(UErrorCode *err, UErrorCode code) { if (!failed(err)) *err = code; }

EXPORT UConverter *ucnv_open(const char *name, UErrorCode *err) {
    (void)name;
    fail(err, U_FILE_ACCESS_ERROR);  /* what ICU says when it has no data for a converter */
    return NULL;
}
EXPORT void ucnv_close(UConverter *cnv) { (void)cnv; }
EXPORT void ucnv_reset(UConverter *cnv) { (void)cnv; }
EXPORT int8_t ucnv_getMaxCharSize(const UConverter *cnv) { (void)cnv; return 1; }
EXPORT const char *ucnv_getName(const UConverter *cnv, UErrorCode *err) {
    (void)cnv; fail(err, U_ILLEGAL_ARGUMENT_ERROR); return NULL;
}
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *err) {
    (void)name; (void)standard; (void)err; return NULL;  /* "no such name", not an error */
}
EXPORT void ucnv_getToUCallBack(const UConverter *cnv, UConverterCallback *action, const void **context) {
    (void)cnv;
    if (action) *action = NULL;
    if (context) *context = NULL;
}
EXPORT void ucnv_getFromUCallBack(const UConverter *cnv, UConverterCallback *action, const void **context) {
    (void)cnv;
    if (action) *action = NULL;
    if (context) *context = NULL;
}
EXPORT void ucnv_setToUCallBack(UConverter *cnv, UConverterCallback action, const void *context,
                                UConverterCallback *old, const void **oldContext, UErrorCode *err) {
    (void)cnv; (void)action; (void)context;
    if (old) *old = NULL;
    if (oldContext) *oldContext = NULL;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_setFromUCallBack(UConverter *cnv, UConverterCallback action, const void *context,
                                  UConverterCallback *old, const void **oldContext, UErrorCode *err) {
    (void)cnv; (void)action; (void)context;
    if (old) *old = NULL;
    if (oldContext) *oldContext = NULL;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_toUnicode(UConverter *cnv, UChar **target, const UChar *targetLimit,
                           const char **source, const char *sourceLimit, int32_t *offsets,
                           UBool flush, UErrorCode *err) {
    (void)cnv; (void)target; (void)targetLimit; (void)source; (void)sourceLimit;
    (void)offsets; (void)flush; fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_fromUnicode(UConverter *cnv, char **target, const char *targetLimit,
                             const UChar **source, const UChar *sourceLimit, int32_t *offsets,
                             UBool flush, UErrorCode *err) {
    (void)cnv; (void)target; (void)targetLimit; (void)source; (void)sourceLimit;
    (void)offsets; (void)flush; fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT int32_t ucnv_toUCountPending(const UConverter *cnv, UErrorCode *err) {
    (void)cnv; fail(err, U_UNSUPPORTED_ERROR); return 0;
}
EXPORT int32_t ucnv_fromUCountPending(const UConverter *cnv, UErrorCode *err) {
    (void)cnv; fail(err, U_UNSUPPORTED_ERROR); return 0;
}
EXPORT void ucnv_cbToUWriteUChars(void *args, const UChar *source, int32_t length,
                                  int32_t offsetIndex, UErrorCode *err) {
    (void)args; (void)source; (void)length; (void)offsetIndex; fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void ucnv_cbFromUWriteUChars(void *args, const UChar **source, const UChar *sourceLimit,
                                    int32_t offsetIndex, UErrorCode *err) {
    (void)args; (void)source; (void)sourceLimit; (void)offsetIndex; fail(err, U_UNSUPPORTED_ERROR);
}
/* The substitute callbacks: Qt passes their addresses, ICU would call them; never called here. */
EXPORT void UCNV_FROM_U_CALLBACK_SUBSTITUTE(const void *context, void *args, const UChar *codeUnits,
                                            int32_t length, UChar32 codePoint, int reason,
                                            UErrorCode *err) {
    (void)context; (void)args; (void)codeUnits; (void)length; (void)codePoint; (void)reason;
    fail(err, U_UNSUPPORTED_ERROR);
}
EXPORT void UCNV_TO_U_CALLBACK_SUBSTITUTE(const void *context, void *args, const char *codeUnits,
                                          int32_t length, int reason, UErrorCode *err) {
    (void)context; (void)args; (void)codeUnits; (void)length; (void)reason;
    fail(err, U_UNSUPPORTED_ERROR);
}
