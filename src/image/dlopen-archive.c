/* The sym_ pointers for libarchive and their loader. The header's NAME -> sym_NAME mappings are active
 * here too, which is harmless: the list macros below only paste (##) and stringify (#) the names, and
 * neither expands them. */
#include "image/dlopen-archive.h"

#include "common/dlopen-util.h"

/* typeof(sym_NAME) is the pointer type the header declared. Not DLOPEN_SYMBOL(): a macro argument
 * passed on to another macro is expanded first (NAME -> sym_NAME). */
#define ARCHIVE_DEFINE_SYM(name) typeof(sym_##name) sym_##name = NULL;
ARCHIVE_SYMBOLS(ARCHIVE_DEFINE_SYM)

#define ARCHIVE_SYMBOL_ENTRY(name) {(void (**)(void)) &sym_##name, #name},
static const DlopenSymbol archive_symbols[] = {ARCHIVE_SYMBOLS(ARCHIVE_SYMBOL_ENTRY)};

static DlopenLibrary libarchive = DLOPEN_LIBRARY_INIT(LIBARCHIVE_SONAME, "unpack, load and save images",
                                                      "libarchive13", archive_symbols);

int dlopen_libarchive(char **reterr) {
        return dlopen_library(&libarchive, reterr);
}
