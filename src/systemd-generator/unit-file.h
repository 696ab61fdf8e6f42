#pragma once

/* The syntax of systemd unit files (systemd.syntax(7)), parsed the way systemd's config_parse() does,
 * into an ordered tree the quadlet translation reads. This knows nothing about what any key means:
 * [Container] Image= is just an entry here.
 *
 * A UnitFile owns everything in it (one arena); the sections and entries are plain linked lists in
 * file order, so consumers may walk them directly:
 *
 *         for (const UnitSection *s = uf->sections; s; s = s->next)
 *                 for (const UnitEntry *e = s->entries; e; e = e->next)
 *                         ...;
 *
 * A section header that appears twice continues the first section, as in systemd, so every section
 * name occurs once. Keys are case-sensitive; values are kept exactly as written (quotes, escapes and
 * specifiers such as %n or %h untouched: systemd expands them in the unit the generator writes). */

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"
#include "common/cleanup.h"
#include "common/diag.h"
#include "common/strbuf.h"

/* systemd's LONG_LINE_MAX: the longest physical line, and the longest line after joining
 * continuations. */
#define UNIT_LINE_MAX (1024U * 1024U)
/* Our own cap on a whole file (systemd's READ_FULL_BYTES_MAX is of the same order): config_parse()
 * reads line by line and has none, but a unit file anywhere near this is certainly not one. */
#define UNIT_FILE_SIZE_MAX (64U * 1024U * 1024U)

typedef struct UnitEntry {
        struct UnitEntry *next;
        const char *key;   /* whitespace-stripped, never empty */
        const char *value; /* whitespace-stripped; "" for an empty assignment ("Key="), a reset */
        unsigned line;     /* as systemd reports it: the last physical line of a continued line */
        const char *file;  /* the file the entry was read from (a drop-in's after unit_file_merge());
                            * may be NULL */
} UnitEntry;

typedef struct UnitSection {
        struct UnitSection *next;
        const char *name; /* without the brackets */
        unsigned line;    /* of the first header */
        UnitEntry *entries, *entries_tail;
        size_t n_entries;
} UnitSection;

typedef struct UnitFile {
        Arena *arena;
        const char *filename; /* may be NULL */
        UnitSection *sections, *sections_tail;
        size_t n_sections;
        bool arena_borrowed; /* unit_file_new_in()/unit_file_parse_in_place(): the arena is the caller's */
} UnitFile;

/* Parses len bytes of text (which need not be NUL-terminated).
 *
 * Problems with single lines are added to diags (when not NULL) as DIAG_ERROR "FILE:LINE: message"
 * and the line is ignored, as systemd does (which only warns; the generator skips such a unit): a line without '=' or without a key,
 * an assignment before any section, a section header with anything after ']' (the entries after it,
 * up to the next valid header, are dropped too: systemd refuses such a file as a whole), invalid
 * UTF-8. Then returns the number of such errors (>= 0) and a new UnitFile in *ret (free with
 * unit_file_free()).
 *
 * Fatal: -EFBIG for a text over UNIT_FILE_SIZE_MAX, -ENOBUFS for a (joined) line over UNIT_LINE_MAX,
 * -EBADMSG for a NUL byte; each also adds one diagnostic. -ENOMEM. *ret is untouched then. */
int unit_file_parse(const char *text, size_t len, const char *filename, UnitFile **ret, DiagList *diags);

/* unit_file_parse() without copies, for a generator run that reads hundreds of files: the UnitFile is
 * allocated in arena (the caller's: unit_file_free() leaves it alone, arena_free() releases it), and
 * its keys and values point into text, which the parser modifies (NUL-terminating them in place) and
 * which must outlive the UnitFile. text[len] must be writable; it becomes NUL. Same results,
 * diagnostics and errors as unit_file_parse(). */
int unit_file_parse_in_place(Arena *arena, char *text, size_t len, const char *filename, UnitFile **ret,
                             DiagList *diags);

/* Accepts NULL and returns NULL. */
UnitFile *unit_file_free(UnitFile *uf);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitFile *, unit_file_free);
#define _cleanup_unit_file_free_ _cleanup_(unit_file_freep)

/* Returns the section called name (borrowed from uf), or NULL. */
const UnitSection *unit_file_find_section(const UnitFile *uf, const char *name);

/* Appends a copy of every entry of dropin to base, section by section (creating sections base lacks),
 * after base's own entries: systemd's drop-in semantics, where a drop-in adds to list settings and
 * an empty assignment in it resets them. Returns 0 or -ENOMEM (base may then hold part of dropin). */
int unit_file_merge(UnitFile *base, const UnitFile *dropin);

/* unit_file_merge() without copies: base's new entries share dropin's strings, so dropin must outlive
 * base (the generator merges units that all live until the end of its run). */
int unit_file_merge_shared(UnitFile *base, const UnitFile *dropin);

/* Returns a new UnitFile without sections (free with unit_file_free()), or NULL on OOM. */
UnitFile *unit_file_new(const char *filename);
/* Likewise, allocated in arena, which stays the caller's (see unit_file_parse_in_place()). */
UnitFile *unit_file_new_in(Arena *arena, const char *filename);

/* Returns the section called name, creating it at the end (at the start with at_start) when it is
 * missing; NULL on OOM. */
UnitSection *unit_file_ensure_section(UnitFile *uf, const char *name, bool at_start);

/* Renames a section (no-op when missing). When another section already has the new name, the two stay
 * separate; callers rename to names that cannot occur. Returns 0 or -ENOMEM. */
int unit_file_rename_section(UnitFile *uf, const char *from, const char *to);

/* Appends (unit_file_add) or prepends (unit_file_prepend) key=value to section, creating the section
 * at the end when missing. The strings are copied. Returns 0 or -ENOMEM. */
int unit_file_add(UnitFile *uf, const char *section, const char *key, const char *value);
int unit_file_addf(UnitFile *uf, const char *section, const char *key, const char *fmt, ...) _printf_(4, 5);
int unit_file_prepend(UnitFile *uf, const char *section, const char *key, const char *value);

/* Removes every entry of key in section. */
void unit_file_unset(UnitFile *uf, const char *section, const char *key);

/* Returns whether key is assigned in section at all (an empty assignment counts). */
bool unit_file_has_key(const UnitFile *uf, const char *section, const char *key);

/* Writes uf as unit-file text: "[Section]" lines, "Key=Value" lines, one empty line between sections;
 * sections without entries are written too (their header only). Values are written as stored, which
 * is how they were read (after joining continuation lines). Returns 0 or -ENOMEM. */
int unit_file_write(const UnitFile *uf, StrBuf *out);

/* Quotes one word for an ExecStart=-style command line so that systemd's word splitting gives it back
 * unchanged (see unit_value_split_words()): words without whitespace, quotes, backslashes or control
 * characters are written as they are; others are double-quoted with C escapes. Specifiers ('%') are
 * left alone: they are for systemd to expand. Returns 0 or -ENOMEM. */
int unit_value_quote_word(StrBuf *out, const char *word);
/* " WORD" for each word, quoted as by unit_value_quote_word(). Returns 0 or -ENOMEM. */
int unit_value_append_words(StrBuf *out, char *const *words);

/* Returns the value of the last assignment of key in section (borrowed from uf; "" when that was an
 * empty assignment), or NULL when the key is not set at all. */
const char *unit_file_get_last(const UnitFile *uf, const char *section, const char *key);

/* The effective list of a list setting: every value of key in section, in order, starting after the
 * last empty assignment (which resets the list). Returns the number of values and a new vector of
 * copies in *ret (never NULL on success; free with strv_free()), or -ENOMEM. */
int unit_file_get_all(const UnitFile *uf, const char *section, const char *key, char ***ret);

/* Splits value into words the way systemd's extract_first_word() does with EXTRACT_UNQUOTE |
 * EXTRACT_CUNESCAPE (ExecStart=, Environment=): words are separated by whitespace; double and single
 * quotes group (anywhere in a word: a"b c" is one word, `ab c`; "" is an empty word); inside and
 * outside quotes the C escapes \a \b \f \n \r \t \v \\ \" \' \s (space), \xHH, \ooo (octal), \uHHHH
 * and \UHHHHHHHH are decoded. Specifiers (%n, %%) are not touched. Returns 0 and a new vector in *ret
 * (never NULL; empty for a blank value; free with strv_free()); -EINVAL for an unbalanced quote, a
 * trailing backslash, an unknown or malformed escape, or an escape of NUL; -ENOMEM. */
int unit_value_split_words(const char *value, char ***ret);

/* systemd's parse_boolean(): 1 for "1", "yes", "y", "true", "t", "on"; 0 for "0", "no", "n", "false",
 * "f", "off" (case-insensitive, no surrounding whitespace); -EINVAL for anything else. */
int unit_value_parse_boolean(const char *value);
static inline bool unit_value_is_true(const char *value) {
        return value && unit_value_parse_boolean(value) == 1;
}
static inline bool unit_value_is_false(const char *value) {
        return value && unit_value_parse_boolean(value) == 0;
}
