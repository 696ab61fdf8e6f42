/* Cases follow kubernetes/third_party/forked/golang/expansion/expand_test.go (TestMapping,
 * TestMappingDual, TestMapReference), re-expressed as our own table, plus edges read off expand.go. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/macro.h"
#include "play/expand.h"

typedef struct Var {
        const char *name;
        const char *value;
} Var;

typedef struct Env {
        const Var *vars;
        size_t n_vars;
        /* Names asked for, in order, joined by '|'. */
        char asked[512];
        unsigned n_asked;
} Env;

static const char *env_lookup(const char *name, void *userdata) {
        Env *env = userdata;

        if (env->n_asked++ > 0)
                strncat(env->asked, "|", sizeof(env->asked) - strlen(env->asked) - 1);
        strncat(env->asked, name, sizeof(env->asked) - strlen(env->asked) - 1);

        for (size_t i = 0; i < env->n_vars; i++)
                if (streq(env->vars[i].name, name))
                        return env->vars[i].value;
        return NULL;
}

static const Var k8s_vars[] = {
        {"VAR_A", "A"}, {"VAR_B", "B"}, {"VAR_C", "C"}, {"VAR_REF", "$(VAR_A)"}, {"VAR_EMPTY", ""},
};

static void check_expand(const Var *vars, size_t n_vars, const char *in, const char *expect) {
        Env env = {.vars = vars, .n_vars = n_vars};
        char *out = k8s_expand(in, env_lookup, &env);

        if (!out)
                fail_msg("\"%s\": NULL", in);
        if (!streq(out, expect)) {
                char msg[1024];

                snprintf(msg, sizeof(msg), "\"%s\": got \"%s\", want \"%s\"", in, out, expect);
                free(out);
                fail_msg("%s", msg);
        }
        free(out);
}

typedef struct Case {
        const char *in;
        const char *expect;
} Case;

static void test_k8s_mapping_table(void **state) {
        static const Case cases[] = {
                /* whole string, repeat, beginning, middle, end, compound */
                {"$(VAR_A)", "A"},
                {"$(VAR_A)-$(VAR_A)", "A-A"},
                {"$(VAR_A)-1", "A-1"},
                {"___$(VAR_B)___", "___B___"},
                {"___$(VAR_C)", "___C"},
                {"$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"},
                /* escape & expand, compound escape, mixed in escapes */
                {"$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"},
                {"$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"},
                {"f000-$$VAR_A", "f000-$VAR_A"},
                /* backslashes mean nothing */
                {"foo\\$(VAR_C)bar", "foo\\Cbar"},
                {"foo\\\\$(VAR_C)bar", "foo\\\\Cbar"},
                {"foo\\\\\\\\$(VAR_A)bar", "foo\\\\\\\\Abar"},
                /* nested references: the name runs to the first ')' */
                {"$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"},
                {"$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"},
                /* values are not expanded again */
                {"$(VAR_REF)", "$(VAR_A)"},
                {"%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"},
                {"foo$(VAR_EMPTY)bar", "foobar"},
                {"foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"},
                {"f00__(VAR_A)__", "f00__(VAR_A)__"},
                {"$?_boo_$!", "$?_boo_$!"},
                {"$VAR_A", "$VAR_A"},
                {"$(VAR_DNE)", "$(VAR_DNE)"},
                {"$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"},
                {"$$$$$$(VAR_A)", "$$$(VAR_A)"},
                {"$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"},
                {"$$$$$$$(VAR_A)", "$$$A"},
                {"$VAR_A)", "$VAR_A)"},
                {"${VAR_A}", "${VAR_A}"},
                {"$(VAR_B)_______$(A", "B_______$(A"},
                {"$(VAR_C)_______$(", "C_______$("},
                {"$(VAR_A)foobarzab$", "Afoobarzab$"},
                {"foo-\\$(VAR_A", "foo-\\$(VAR_A"},
                {"--$($($($($--", "--$($($($($--"},
                {"$($($($($--foo$(", "$($($($($--foo$("},
                {"foo0--$($($($(", "foo0--$($($($("},
                {"$(foo$$var)", "$(foo$$var)"},
                {"\n", "\n"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_expand(k8s_vars, ELEMENTSOF(k8s_vars), cases[i].in, cases[i].expect);
}

static void test_edges(void **state) {
        static const Case cases[] = {
                {"", ""},
                {"plain", "plain"},
                {"$", "$"},
                {"$$", "$"},
                {"$$$", "$$"},
                {"$$$$", "$$"},
                {"$(", "$("},
                {"$$(", "$("},
                {"$)", "$)"},
                {"$()", "$()"},
                {"a$", "a$"},
                {"$a", "$a"},
                {"$(VAR_A))", "A)"},
                {"(($(VAR_A)))", "((A))"},
                {"$(VAR_A)$(VAR_B)$(VAR_C)", "ABC"},
                {"$(VAR_A)$", "A$"},
                {"$($(VAR_A))", "$($(VAR_A))"},
                {"$(VAR_A $(VAR_B)", "$(VAR_A $(VAR_B)"},
                {"$( VAR_A)", "$( VAR_A)"},
                {"$(var_a)", "$(var_a)"},
                {"$(VAR_EMPTY)", ""},
                {"$(VAR_EMPTY)$(VAR_EMPTY)", ""},
                {"$$(VAR_EMPTY)", "$(VAR_EMPTY)"},
                /* bytes after '$' are kept as they are, UTF-8 included */
                {"$\xc3\xa9", "$\xc3\xa9"},
                {"\xc3\xa9$(VAR_A)\xc3\xa9", "\xc3\xa9"
                                             "A"
                                             "\xc3\xa9"},
                {"$(\xc3\xa9)", "$(\xc3\xa9)"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_expand(k8s_vars, ELEMENTSOF(k8s_vars), cases[i].in, cases[i].expect);
}

static void test_empty_name_is_looked_up(void **state) {
        static const Var vars[] = {{"", "E"}, {"a b", "SP"}, {"x$(y", "Z"}};

        /* Kubernetes hands "" to its mapping like any other name; env names can never be empty, but
         * the lookup is the one to decide. */
        check_expand(vars, ELEMENTSOF(vars), "[$()]", "[E]");
        check_expand(vars, ELEMENTSOF(vars), "$(a b)", "SP");
        check_expand(vars, ELEMENTSOF(vars), "$(x$(y)", "Z");
        check_expand(vars, ELEMENTSOF(vars), "$(x$(y))", "Z)");
}

static void test_names_asked(void **state) {
        Env env = {.vars = k8s_vars, .n_vars = ELEMENTSOF(k8s_vars)};
        char *out;

        out = k8s_expand("$(A$(B))x$$(NOPE)$(C)$(C$(", env_lookup, &env);
        assert_non_null(out);
        assert_string_equal(out, "$(A$(B))x$(NOPE)$(C)$(C$(");
        /* "$$(NOPE)" and the unclosed reference never reach the lookup. */
        assert_string_equal(env.asked, "A$(B|C");
        free(out);

        memset(env.asked, 0, sizeof(env.asked));
        env.n_asked = 0;
        out = k8s_expand("$()$(VAR_A)", env_lookup, &env);
        assert_string_equal(out, "$()A");
        assert_string_equal(env.asked, "|VAR_A");
        free(out);
}

static void test_no_lookup(void **state) {
        static const Case cases[] = {
                {"$(VAR_A)", "$(VAR_A)"},
                {"$$(VAR_A)", "$(VAR_A)"},
                {"$$", "$"},
                {"x$", "x$"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *out = k8s_expand(cases[i].in, NULL, NULL);

                assert_non_null(out);
                assert_string_equal(out, cases[i].expect);
                free(out);
        }

        assert_null(k8s_expand(NULL, NULL, NULL));
}

/* TestMapReference: env entries are expanded in order, each seeing the values expanded before it. */
static void test_map_reference(void **state) {
        Var vars[] = {
                {"FOO", "bar"},
                {"ZOO", "$(FOO)-1"},
                {"BLU", "$(ZOO)-2"},
        };
        char *expanded[ELEMENTSOF(vars)] = {};

        for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                Env env = {.vars = vars, .n_vars = ELEMENTSOF(vars)};

                expanded[i] = k8s_expand(vars[i].value, env_lookup, &env);
                assert_non_null(expanded[i]);
                vars[i].value = expanded[i];
        }

        assert_string_equal(vars[0].value, "bar");
        assert_string_equal(vars[1].value, "bar-1");
        assert_string_equal(vars[2].value, "bar-1-2");

        for (size_t i = 0; i < ELEMENTSOF(vars); i++)
                free(expanded[i]);
}

static void test_long_input(void **state) {
        static const Var vars[] = {{"V", "xyz"}};
        size_t n = 20000;
        char *in = malloc(n * 4 + 1), *want = malloc(n * 3 + 1), *out;
        Env env = {.vars = vars, .n_vars = ELEMENTSOF(vars)};

        assert_non_null(in);
        assert_non_null(want);
        for (size_t i = 0; i < n; i++) {
                memcpy(in + i * 4, "$(V)", 4);
                memcpy(want + i * 3, "xyz", 3);
        }
        in[n * 4] = 0;
        want[n * 3] = 0;

        out = k8s_expand(in, env_lookup, &env);
        assert_non_null(out);
        assert_string_equal(out, want);
        free(out);
        free(in);
        free(want);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_k8s_mapping_table),
                cmocka_unit_test(test_edges),
                cmocka_unit_test(test_empty_name_is_looked_up),
                cmocka_unit_test(test_names_asked),
                cmocka_unit_test(test_no_lookup),
                cmocka_unit_test(test_map_reference),
                cmocka_unit_test(test_long_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
