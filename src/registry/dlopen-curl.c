/* The sym_ pointers for libcurl and their loader. The header's NAME -> sym_NAME mappings are active
 * here too, which is harmless: the list macros below only paste (##) and stringify (#) the names, and
 * neither expands them. */
#include "registry/dlopen-curl.h"

#include "common/dlopen-util.h"

/* typeof(sym_NAME) is the pointer type the header declared. Not DLOPEN_SYMBOL(): a macro argument
 * passed on to another macro is expanded first (NAME -> sym_NAME). */
#define CURL_DEFINE_SYM(name) typeof(sym_##name) sym_##name = NULL;
CURL_SYMBOLS(CURL_DEFINE_SYM)

#define CURL_SYMBOL_ENTRY(name) {(void (**)(void)) &sym_##name, #name},
static const DlopenSymbol curl_symbols[] = {CURL_SYMBOLS(CURL_SYMBOL_ENTRY)};

static DlopenLibrary libcurl = DLOPEN_LIBRARY_INIT(LIBCURL_SONAME, "pull images from registries", "libcurl4",
                                                   curl_symbols);

int dlopen_libcurl(char **reterr) {
        return dlopen_library(&libcurl, reterr);
}
