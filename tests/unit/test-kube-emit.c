/* src/play/kube-emit.c (json-c tree → YAML through libyaml's emitter) and src/play/kube-generate.c (pod
 * plans → Kubernetes objects): exact output, types surviving a read back by our own YAML reader, and the
 * rules kube generate relies on ($(VAR) escaping, quantities, defaults left out, refusals). */

#include <json-c/json.h>

#include "common/diag.h"
#include "common/macro.h"
#include "play/kube-emit.h"
#include "play/kube-generate.h"
#include "play/yaml-node.h"
#include "unit-test.h"

static char *emit_one(json_object *o) {
        char *out = NULL;
        size_t len = 0;

        assert_int_equal(kube_emit_yaml(&o, 1, &out, &len), 0);
        assert_non_null(out);
        assert_int_equal(strlen(out), len);
        return out;
}

static json_object *parse_json(const char *s) {
        json_object *o = json_tokener_parse(s);

        assert_non_null(o);
        return o;
}

static void test_exact_text(void **state) {
        json_object *o = parse_json(
                "{\"kind\": \"Pod\", \"n\": 3, \"ok\": true, \"none\": null, \"list\": [\"a\", 1],"
                " \"empty\": [], \"map\": {}, \"nested\": {\"k\": \"v\"}}");
        char *out = emit_one(o);

        assert_string_equal(out, "kind: Pod\n"
                                 "\"n\": 3\n" /* YAML 1.1 reads a plain n as false */
                                 "ok: true\n"
                                 "none: null\n"
                                 "list:\n"
                                 "- a\n"
                                 "- 1\n"
                                 "empty: []\n"
                                 "map: {}\n"
                                 "nested:\n"
                                 "  k: v\n");
        free(out);
        json_object_put(o);
}

/* Every string must come back a string with the same bytes, through the reader kube play uses. */
static void test_strings_stay_strings(void **state) {
        static const char *const tricky[] = {
                "true",
                "False",
                "yes",
                "off",
                "y",
                "8080",
                "0400",
                "0x1f",
                "1e3",
                ".5",
                "-1",
                "~",
                "null",
                "",
                " lead",
                "trail ",
                "a: b",
                "- x",
                "#c",
                "x #c",
                "[1]",
                "{a}",
                "*ref",
                "&anchor",
                "!tag",
                "%x",
                "@x",
                "`x",
                "'q'",
                "\"dq\"",
                "multi\nline\n",
                "no trailing\nnewline",
                "tab\there",
                "ünïcödé",
                "$(VAR)",
                "i=$((i+1))",
                "---",
                "...",
                "? q",
                "|",
                ">",
                "=",
                "<<",
        };
        json_object *a = json_object_new_array();
        YStream *ys = NULL;
        Diag *err = NULL;
        char *out;

        for (size_t i = 0; i < ELEMENTSOF(tricky); i++)
                json_object_array_add(a, json_object_new_string(tricky[i]));
        out = emit_one(a);
        assert_int_equal(ystream_load(out, strlen(out), "t.yaml", &ys, &err), 0);
        assert_int_equal(ys->n_docs, 1);
        assert_int_equal(ys->docs[0].root->type, YNODE_SEQUENCE);
        assert_int_equal(ys->docs[0].root->seq.n, ELEMENTSOF(tricky));
        for (size_t i = 0; i < ELEMENTSOF(tricky); i++) {
                const YNode *n = ys->docs[0].root->seq.items[i];
                if (ynode_scalar_kind(n) != YKIND_STRING || !streq(n->scalar.value, tricky[i]))
                        fail_msg("%zu: \"%s\" came back as kind %d \"%s\"\n%s", i, tricky[i],
                                 ynode_scalar_kind(n), n->scalar.value, out);
        }
        ystream_free(ys);
        free(out);
        json_object_put(a);
}

static void test_numbers_stay_numbers(void **state) {
        json_object *o =
                parse_json("{\"i\": 420, \"neg\": -7, \"big\": 9007199254740993, \"f\": 1.0, \"b\": false}");
        YStream *ys = NULL;
        Diag *err = NULL;
        int64_t v;
        bool b;
        char *out = emit_one(o);

        assert_int_equal(ystream_load(out, strlen(out), "t.yaml", &ys, &err), 0);
        assert_int_equal(ynode_get_int(ynode_map_get(ys->docs[0].root, "i"), &v), 0);
        assert_int_equal(v, 420);
        assert_int_equal(ynode_get_int(ynode_map_get(ys->docs[0].root, "neg"), &v), 0);
        assert_int_equal(v, -7);
        assert_int_equal(ynode_get_int(ynode_map_get(ys->docs[0].root, "big"), &v), 0);
        assert_int_equal(v, 9007199254740993LL);
        assert_int_equal(ynode_scalar_kind(ynode_map_get(ys->docs[0].root, "f")), YKIND_FLOAT);
        assert_int_equal(ynode_get_bool(ynode_map_get(ys->docs[0].root, "b"), &b), 0);
        assert_false(b);
        ystream_free(ys);
        free(out);
        json_object_put(o);
}

static void test_documents_and_literal_blocks(void **state) {
        json_object *docs[2] = {parse_json("{\"data\": {\"app.conf\": \"a = 1\\nb = 2\\n\"}}"),
                                parse_json("{\"kind\": \"Pod\"}")};
        char *out = NULL;

        assert_int_equal(kube_emit_yaml(docs, 2, &out, NULL), 0);
        assert_string_equal(out, "data:\n"
                                 "  app.conf: |\n"
                                 "    a = 1\n"
                                 "    b = 2\n"
                                 "---\n"
                                 "kind: Pod\n");
        free(out);
        /* no documents: an empty stream */
        assert_int_equal(kube_emit_yaml(NULL, 0, &out, NULL), 0);
        assert_string_equal(out, "");
        free(out);
        json_object_put(docs[0]);
        json_object_put(docs[1]);
}

static void test_bad_utf8_refused(void **state) {
        json_object *o = json_object_new_string("\xff\xfe");
        char *out = NULL;

        assert_int_equal(kube_emit_yaml(&o, 1, &out, NULL), -EINVAL);
        assert_null(out);
        json_object_put(o);
}

/* ---- kube_generate ---- */

static char *generate(const char *plan, const KubeGenerateOptions *opts, int expect_r, char **ret_error) {
        json_object *pod = parse_json(plan), *docs = NULL;
        char *out = NULL;
        int r;

        r = kube_generate(&pod, 1, opts, &docs, ret_error);
        assert_int_equal(r, expect_r);
        if (r >= 0) {
                assert_int_equal(kube_emit_yaml((json_object *const *) json_object_get_array(docs)->array,
                                                json_object_array_length(docs), &out, NULL),
                                 0);
                json_object_put(docs);
        }
        json_object_put(pod);
        return out;
}

#define CONTAINER(extra)                                                                                       \
        "{\"name\": \"p-c\", \"containerName\": \"c\", \"image\": \"img\", \"pullPolicy\": \"Never\","         \
        " \"workingDir\": \"image\", \"mounts\": [], \"ports\": [], \"resources\": {},"                        \
        " \"security\": {\"runAsUser\": \"image\", \"runAsGroup\": \"image\", \"privileged\": false,"          \
        " \"capAdd\": [], \"capDrop\": [], \"seccomp\": \"RuntimeDefault\", \"procMount\": \"Default\"}" extra \
        "}"

static void test_generate_minimal_pod(void **state) {
        char *out = generate(
                "{\"name\": \"p\", \"kind\": \"Pod\", \"hostname\": \"p\", \"restartPolicy\": \"Always\","
                " \"terminationGracePeriodSeconds\": 30, \"namespaces\": {\"network\": \"pod\","
                " \"ipc\": \"pod\", \"uts\": \"pod\", \"pid\": \"container\"}, \"volumes\": [],"
                " \"initContainers\": [], \"containers\": [" CONTAINER(
                        ", \"argv\": {\"rule\": \"image\"}, \"env\": []") "]}",
                NULL, 0, NULL);

        /* defaults (grace 30, hostname = name, RuntimeDefault, TCP) are not written */
        assert_string_equal(out, "apiVersion: v1\n"
                                 "kind: Pod\n"
                                 "metadata:\n"
                                 "  name: p\n"
                                 "spec:\n"
                                 "  restartPolicy: Always\n"
                                 "  containers:\n"
                                 "  - name: c\n"
                                 "    image: img\n"
                                 "    imagePullPolicy: Never\n");
        free(out);
}

static void test_generate_escapes_only_what_would_expand(void **state) {
        char *out =
                generate("{\"name\": \"p\", \"restartPolicy\": \"Never\", \"containers\": [" CONTAINER(
                                 ", \"argv\": {\"rule\": \"command+args\", \"command\": [\"sh\", \"-c\"],"
                                 " \"args\": [\"echo $((1+2)) $(A) $$\"]},"
                                 " \"env\": [{\"name\": \"A\", \"value\": \"x\", \"source\": \"env\"},"
                                 " {\"name\": \"B\", \"value\": \"$(A) and $(Z)\", \"source\": \"env\"},"
                                 " {\"name\": \"C\", \"value\": \"$(NOPE)\", \"source\": \"env\"}]") "]}",
                         NULL, 0, NULL);

        /* $(A) is defined, so the literal text needs $$; $(Z) and $(NOPE) and $((…)) stay as they are
         * unless the string needs escaping anyway */
        assert_non_null(strstr(out, "- echo $$((1+2)) $$(A) $$$\n"));
        assert_non_null(strstr(out, "value: $$(A) and $$(Z)\n"));
        assert_non_null(strstr(out, "value: $(NOPE)\n"));
        free(out);
}

static void test_generate_sources_quantities_deployment(void **state) {
        KubeGenerateOptions opts = {.type = KUBE_GENERATE_DEPLOYMENT, .service = true};
        char *out = generate(
                "{\"name\": \"web-pod\", \"kind\": \"Deployment\", \"restartPolicy\": \"Always\","
                " \"volumes\": [{\"name\": \"s\", \"type\": \"secret\", \"secret\": \"sec\", \"defaultMode\": 256,"
                " \"files\": [{\"path\": \"k\", \"key\": \"k\", \"mode\": 256, \"data\": \"dg==\"}]}],"
                " \"containers\": [" CONTAINER(
                        ", \"argv\": {\"rule\": \"image\"}, \"ports\": [{\"containerPort\": 80, \"hostPort\": 8080,"
                        " \"protocol\": \"tcp\", \"published\": true}],"
                        " \"resources\": {\"memoryLimitBytes\": 67108864, \"cpuLimitMillicores\": 1500,"
                        " \"cpuRequestMillicores\": 2000, \"memoryRequestBytes\": 1000},"
                        " \"env\": [{\"name\": \"K\", \"value\": \"v\", \"source\": \"secret sec key k\", \"secret\": true},"
                        " {\"name\": \"M\", \"value\": \"64\", \"source\": \"resourceFieldRef limits.memory\"}]") "]}",
                &opts, 0, NULL);

        assert_non_null(
                strstr(out, "kind: Secret\nmetadata:\n  name: sec\ntype: Opaque\ndata:\n  k: dg==\n---\n"));
        assert_non_null(strstr(out, "kind: Service\n"));
        assert_non_null(
                strstr(out, "  - name: tcp-8080\n    protocol: TCP\n    port: 8080\n    targetPort: 80\n"));
        assert_non_null(strstr(out, "kind: Deployment\nmetadata:\n  name: web\n"));
        assert_non_null(strstr(out, "matchLabels:\n      app: web-pod\n"));
        assert_non_null(strstr(out, "memory: 64Mi\n"));
        assert_non_null(strstr(out, "cpu: 1500m\n"));
        assert_non_null(strstr(out, "cpu: \"2\"\n"));
        assert_non_null(strstr(out, "memory: \"1000\"\n"));
        assert_non_null(strstr(out, "resource: limits.memory\n              divisor: 1Mi\n"));
        assert_non_null(strstr(out, "secretKeyRef:\n              name: sec\n              key: k\n"));
        assert_non_null(strstr(out, "defaultMode: 256\n"));
        free(out);
}

static void test_generate_refusals(void **state) {
        KubeGenerateOptions opts = {.type = KUBE_GENERATE_DEPLOYMENT};
        char *err = NULL;

        assert_null(generate("{\"name\": \"p\", \"restartPolicy\": \"Never\", \"containers\": []}", &opts,
                             -EINVAL, &err));
        assert_string_equal(err, "pod p: restartPolicy Never: a Deployment's pods must use Always");
        free(err);
        err = NULL;
        /* one ConfigMap key read with two values (env says one thing, the volume file another) */
        assert_null(generate(
                "{\"name\": \"p\", \"volumes\": [{\"name\": \"v\", \"type\": \"configMap\","
                " \"configMap\": \"cm\", \"defaultMode\": 420, \"files\": [{\"path\": \"k\", \"key\": \"k\","
                " \"mode\": 420, \"data\": \"YQ==\"}]}], \"containers\": [" CONTAINER(
                        ", \"argv\": {\"rule\": \"image\"}, \"env\": [{\"name\": \"E\", \"value\": \"b\","
                        " \"source\": \"configMap cm key k\"}]") "]}",
                NULL, -EINVAL, &err));
        assert_string_equal(err, "pod p: configMap cm key k: read with two different values");
        free(err);
        assert_int_equal(kube_generate_type_from_string("daemonset"), _KUBE_GENERATE_TYPE_INVALID);
        assert_int_equal(kube_generate_type_from_string("deployment"), KUBE_GENERATE_DEPLOYMENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exact_text),
                cmocka_unit_test(test_strings_stay_strings),
                cmocka_unit_test(test_numbers_stay_numbers),
                cmocka_unit_test(test_documents_and_literal_blocks),
                cmocka_unit_test(test_bad_utf8_refused),
                cmocka_unit_test(test_generate_minimal_pod),
                cmocka_unit_test(test_generate_escapes_only_what_would_expand),
                cmocka_unit_test(test_generate_sources_quantities_deployment),
                cmocka_unit_test(test_generate_refusals),
        };

        return unit_run_tests("kube-emit", tests, ELEMENTSOF(tests));
}
