/* The sym_ pointers for libsystemd and their loader (the pattern of src/image/dlopen-archive.c). */
#include "runtime/dlopen-systemd.h"

#include "common/dlopen-util.h"

#define SYSTEMD_DEFINE_SYM(name) typeof(sym_##name) sym_##name = NULL;
SYSTEMD_SYMBOLS(SYSTEMD_DEFINE_SYM)

#define SYSTEMD_SYMBOL_ENTRY(name) {(void (**)(void)) &sym_##name, #name},
static const DlopenSymbol systemd_symbols[] = {SYSTEMD_SYMBOLS(SYSTEMD_SYMBOL_ENTRY)};

static DlopenLibrary libsystemd = DLOPEN_LIBRARY_INIT(LIBSYSTEMD_SONAME,
                                                      "notify systemd and log to the journal",
                                                      "libsystemd0", systemd_symbols);

int dlopen_libsystemd(char **reterr) {
        return dlopen_library(&libsystemd, reterr);
}
