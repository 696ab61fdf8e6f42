/* The dry-run plan (kube-plan.c) as a json-c tree: Kubernetes' argv rule, the environment in the
 * kubelet's order with $(VAR) expansion, downward-API values, the securityContext merge, resources
 * in bytes and millicores, pull policy defaults and volume file modes. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit-test.h"

#include "common/json-util.h"
#include "common/strbuf.h"
#include "play/kube-plan.h"

static const PlanHost host = {
        .hostname = "node1",
        .cpus = 8,
        .memory_bytes = 16LL * 1024 * 1024 * 1024,
};

/* Loads and validates text (no errors allowed; warnings are), then builds its plan. */
static json_object *plan_of(const char *text, bool show_secrets) {
        DiagList diags = DIAG_LIST_INIT;
        PlanOptions opts = {.show_secrets = show_secrets};
        KubeSet *set = kube_set_new();
        json_object *plan = NULL;
        int r;

        assert_non_null(set);
        r = kube_set_load(set, text, strlen(text), "f.yaml", false, &diags);
        if (r >= 0)
                r = kube_set_validate(set, &diags);
        if (r < 0 || diags.n_errors > 0) {
                StrBuf sb = STRBUF_INIT;
                for (size_t i = 0; i < diags.n; i++) {
                        _cleanup_free_ char *s = diag_format(&diags.items[i]);
                        strbuf_addf(&sb, "\n  %s", s);
                }
                fail_msg("load/validate: %d:%s", r, sb.buf ?: "");
        }
        diag_list_done(&diags);
        assert_int_equal(kube_plan_build(set, &host, &opts, &plan), 0);
        assert_non_null(plan);
        /* The plan owns everything it holds: it outlives the set. */
        kube_set_free(set);
        return plan;
}

static json_object *jget(json_object *o, const char *key) {
        json_object *v = NULL;

        if (!o || !json_object_object_get_ex(o, key, &v))
                return NULL;
        return v;
}

/* o[key], which must exist and be of type t. */
static json_object *jtyped(json_object *o, const char *key, json_type t) {
        json_object *v = jget(o, key);

        if (!v)
                fail_msg("no key \"%s\" in %s", key, o ? json_object_to_json_string(o) : "NULL");
        assert_true(json_object_is_type(v, t));
        return v;
}

static const char *jstr(json_object *o, const char *key) {
        return json_object_get_string(jtyped(o, key, json_type_string));
}

static int64_t jint(json_object *o, const char *key) {
        return json_object_get_int64(jtyped(o, key, json_type_int));
}

static bool jbool(json_object *o, const char *key) {
        return json_object_get_boolean(jtyped(o, key, json_type_boolean));
}

/* The JSON text of o, for comparing arrays and objects exactly. */
static void assert_json(json_object *o, const char *want) {
        assert_non_null(o);
        assert_string_equal(
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                want);
}

static json_object *pod_at(json_object *plan, size_t i) {
        json_object *pods = jget(plan, "pods");

        assert_non_null(pods);
        assert_true(i < json_object_array_length(pods));
        return json_object_array_get_idx(pods, i);
}

/* The container named name ("app", not "pod-app") in pod i, init containers included. */
static json_object *ctr(json_object *plan, size_t i, const char *name) {
        json_object *pod = pod_at(plan, i);
        const char *lists[] = {"containers", "initContainers"};

        for (size_t l = 0; l < 2; l++) {
                json_object *a = jget(pod, lists[l]);
                for (size_t k = 0; a && k < json_object_array_length(a); k++) {
                        json_object *c = json_object_array_get_idx(a, k);
                        if (streq(jstr(c, "containerName"), name))
                                return c;
                }
        }
        fail_msg("no container %s", name);
        return NULL;
}

/* "NAME=value,NAME=value…" in order; a value only known at start shows as <start>. */
static char *env_string(json_object *c) {
        json_object *env = jget(c, "env");
        StrBuf sb = STRBUF_INIT;

        assert_non_null(env);
        for (size_t i = 0; i < json_object_array_length(env); i++) {
                json_object *e = json_object_array_get_idx(env, i), *v = jget(e, "value");
                strbuf_addf(&sb, "%s%s=%s", i ? "," : "", jstr(e, "name"),
                            json_object_is_type(v, json_type_null) ? "<start>" : json_object_get_string(v));
        }
        return strbuf_detach(&sb);
}

static json_object *env_entry(json_object *c, const char *name) {
        json_object *env = jget(c, "env");

        for (size_t i = 0; env && i < json_object_array_length(env); i++) {
                json_object *e = json_object_array_get_idx(env, i);
                if (streq(jstr(e, "name"), name))
                        return e;
        }
        fail_msg("no variable %s", name);
        return NULL;
}

#define POD(containers)                                                                           \
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: shop, tier: front}\n" \
        "  annotations: {owner: team-a}\nspec:\n  containers:\n" containers

/* ---- argv ---- */

static void test_argv_rule(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(POD("    - name: plain\n"
                                                                    "      image: busybox\n"
                                                                    "    - name: cmd\n"
                                                                    "      image: busybox\n"
                                                                    "      command: [sleep, \"10\"]\n"
                                                                    "    - name: args\n"
                                                                    "      image: busybox\n"
                                                                    "      args: [\"-v\"]\n"
                                                                    "    - name: both\n"
                                                                    "      image: busybox\n"
                                                                    "      command: [sh, -c]\n"
                                                                    "      args: [\"echo hi\"]\n"),
                                                                false);
        json_object *a;

        /* Neither: the image's Entrypoint and Cmd. */
        a = jget(ctr(plan, 0, "plain"), "argv");
        assert_json(a, "{\"rule\":\"image\"}");
        /* command: replaces Entrypoint, and the image's Cmd is dropped. */
        a = jget(ctr(plan, 0, "cmd"), "argv");
        assert_json(a, "{\"rule\":\"command\",\"command\":[\"sleep\",\"10\"]}");
        /* args only: the image's Entrypoint with args instead of its Cmd. */
        a = jget(ctr(plan, 0, "args"), "argv");
        assert_json(a, "{\"rule\":\"image-entrypoint+args\",\"args\":[\"-v\"]}");
        /* Both: the image's Entrypoint and Cmd are both unused. */
        a = jget(ctr(plan, 0, "both"), "argv");
        assert_json(a, "{\"rule\":\"command+args\",\"command\":[\"sh\",\"-c\"],\"args\":[\"echo hi\"]}");
}

/* Kubernetes treats an empty list as unset: the kubelet passes it on as empty, and the runtime
 * (containerd's WithProcessArgs, CRI-O alike) uses the image's Entrypoint when len(command) == 0 and
 * the image's Cmd when len(args) == 0. So "command: []" runs the image's Entrypoint + Cmd, and
 * "args: []" keeps the image's Cmd. */
static void test_argv_empty_lists_are_unset(void **state) {
        _cleanup_(json_object_putp) json_object *plan = NULL;

        plan = plan_of(POD("    - name: c\n"
                           "      image: busybox\n"
                           "      command: []\n"
                           "    - name: a\n"
                           "      image: busybox\n"
                           "      args: []\n"
                           "    - name: ca\n"
                           "      image: busybox\n"
                           "      command: [run]\n"
                           "      args: []\n"),
                       false);
        assert_string_equal(jstr(jget(ctr(plan, 0, "c"), "argv"), "rule"), "image");
        assert_string_equal(jstr(jget(ctr(plan, 0, "a"), "argv"), "rule"), "image");
        assert_string_equal(jstr(jget(ctr(plan, 0, "ca"), "argv"), "rule"), "command");
}

/* ---- environment ---- */

static const char env_text[] =
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata: {name: cfg}\n"
        "data:\n"
        "  ZED: z\n"
        "  BEE: b\n"
        "  AYE: a\n"
        "  REF: \"$(X)\"\n"
        "---\n"
        "apiVersion: v1\n"
        "kind: Secret\n"
        "metadata: {name: sec}\n"
        "data:\n"
        "  PASSWORD: aHVudGVyMg==\n" /* hunter2 */
        "  TOKEN: b2xk\n"            /* old */
        "stringData:\n"
        "  TOKEN: new\n"
        "---\n" POD("    - name: app\n"
                    "      image: busybox\n"
                    "      command: [echo, \"$(X)\", \"$(NOPE)\", \"$$(X)\", \"$(P_BEE)\"]\n"
                    "      args: [\"$(LATER)\"]\n"
                    "      envFrom:\n"
                    "        - configMapRef: {name: cfg}\n"
                    "          prefix: P_\n"
                    "        - secretRef: {name: sec}\n"
                    "        - configMapRef: {name: absent, optional: true}\n"
                    "      env:\n"
                    "        - {name: X, value: \"1\"}\n"
                    "        - {name: P_AYE, value: override}\n"
                    "        - {name: Y, value: \"$(X)-$(P_BEE)-$(LATER)-$$(X)-$(NOPE)-$\"}\n"
                    "        - {name: LATER, value: l}\n"
                    "        - {name: X, value: \"2\"}\n"
                    "        - name: FROMREF\n"
                    "          valueFrom:\n"
                    "            configMapKeyRef: {name: cfg, key: REF}\n"
                    "        - name: PW\n"
                    "          valueFrom:\n"
                    "            secretKeyRef: {name: sec, key: PASSWORD}\n"
                    "        - {name: DSN, value: \"db:$(PW)\"}\n"
                    "        - name: OPT\n"
                    "          valueFrom:\n"
                    "            secretKeyRef: {name: sec, key: nothere, optional: true}\n"
                    "        - {name: EMPTY}\n");

static void test_env_order_and_values(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(env_text, true);
        _cleanup_free_ char *env = env_string(ctr(plan, 0, "app"));

        /* envFrom first, each source's keys sorted, with the prefix; then env in order. A name
         * defined again keeps its first place and takes the last value (X, P_AYE). $(VAR) sees only
         * what is defined before it; $$ is a '$'; unknown names stay as written; valueFrom values are
         * not expanded (FROMREF); a missing optional key sets nothing (OPT). */
        assert_string_equal(
                env, "P_AYE=override,P_BEE=b,P_REF=$(X),P_ZED=z,PASSWORD=hunter2,TOKEN=new,X=2,"
                     "Y=1-b-$(LATER)-$(X)-$(NOPE)-$,LATER=l,FROMREF=$(X),PW=hunter2,DSN=db:hunter2,EMPTY=");
}

static void test_env_sources(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(env_text, true);
        json_object *c = ctr(plan, 0, "app");

        assert_string_equal(jstr(env_entry(c, "P_BEE"), "source"), "configMap cfg key BEE");
        assert_string_equal(jstr(env_entry(c, "TOKEN"), "source"), "secret sec key TOKEN");
        assert_string_equal(jstr(env_entry(c, "X"), "source"), "env");
        assert_string_equal(jstr(env_entry(c, "P_AYE"), "source"), "env");
        assert_string_equal(jstr(env_entry(c, "FROMREF"), "source"), "configMap cfg key REF");
        assert_string_equal(jstr(env_entry(c, "PW"), "source"), "secret sec key PASSWORD");
        assert_true(jbool(env_entry(c, "PW"), "secret"));
        assert_true(jbool(env_entry(c, "PASSWORD"), "secret"));
        assert_null(jget(env_entry(c, "X"), "secret"));
}

static void test_env_secrets_masked(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(env_text, false);
        _cleanup_free_ char *env = env_string(ctr(plan, 0, "app"));

        assert_string_equal(
                env, "P_AYE=override,P_BEE=b,P_REF=$(X),P_ZED=z,PASSWORD=(secret),TOKEN=(secret),X=2,"
                     "Y=1-b-$(LATER)-$(X)-$(NOPE)-$,LATER=l,FROMREF=$(X),PW=(secret),DSN=(secret),EMPTY=");
}

static void test_env_secret_expansion_masked(void **state) {
        /* A value built from a Secret's is as secret as the Secret: masked too, and marked. */
        _cleanup_(json_object_putp) json_object *masked = plan_of(env_text, false);
        _cleanup_(json_object_putp) json_object *shown = plan_of(env_text, true);
        json_object *e = env_entry(ctr(masked, 0, "app"), "DSN");

        assert_string_equal(jstr(e, "value"), "(secret)");
        assert_string_equal(jstr(e, "source"), "env, expanding a Secret");
        assert_true(jbool(e, "secret"));
        assert_string_equal(jstr(env_entry(ctr(shown, 0, "app"), "DSN"), "value"), "db:hunter2");
        /* Y expands only ConfigMap values and env: not secret. */
        assert_null(jget(env_entry(ctr(masked, 0, "app"), "Y"), "secret"));
}

static void test_command_args_expanded(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(env_text, false);
        json_object *argv = jget(ctr(plan, 0, "app"), "argv");

        /* command and args expand against the container's final environment (X is 2 by then, and
         * LATER is known), with the same $$ and unknown-name rules. */
        assert_json(jget(argv, "command"), "[\"echo\",\"2\",\"$(NOPE)\",\"$(X)\",\"b\"]");
        assert_json(jget(argv, "args"), "[\"l\"]");
}

/* The kubelet's envFrom imports configMap.Data only (makeEnvironmentVariables: `for k, v := range
 * configMap.Data`): binaryData keys never reach the environment. */
static void test_env_from_ignores_config_map_binary_data(void **state) {
        _cleanup_(json_object_putp) json_object *plan = NULL;
        _cleanup_free_ char *env = NULL;

        plan = plan_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
                       "data: {TEXT: t}\nbinaryData: {BIN: YmluYXJ5}\n"
                       "---\n" POD("    - name: app\n"
                                   "      image: busybox\n"
                                   "      envFrom: [{configMapRef: {name: cfg}}]\n"),
                       false);
        env = env_string(ctr(plan, 0, "app"));
        assert_string_equal(env, "TEXT=t");
}

/* KNOWN BUG (src/play/kube-plan.c, object_value): configMapKeyRef finds keys in binaryData (and prefers
 * it). The kubelet looks up configMap.Data[key] only, and without it the variable is not set when
 * optional (an error "couldn't find key BIN in ConfigMap" otherwise). The matching validation gap is
 * test_validate_config_map_key_ref_binary_data in test-kube-model.c. */
static void test_config_map_key_ref_ignores_binary_data(void **state) {
        _cleanup_(json_object_putp) json_object *plan = NULL;
        _cleanup_free_ char *env = NULL;

        plan = plan_of(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
                "data: {TEXT: t}\nbinaryData: {BIN: YmluYXJ5}\n"
                "---\n" POD("    - name: app\n"
                            "      image: busybox\n"
                            "      env:\n"
                            "        - name: B\n"
                            "          valueFrom: {configMapKeyRef: {name: cfg, key: BIN, optional: true}}\n"
                            "        - name: T\n"
                            "          valueFrom: {configMapKeyRef: {name: cfg, key: TEXT}}\n"),
                false);
        env = env_string(ctr(plan, 0, "app"));
        assert_string_equal(env, "T=t");
}

static void test_field_refs(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(
                "apiVersion: apps/v1\n"
                "kind: Deployment\n"
                "metadata: {name: shop, namespace: prod}\n"
                "spec:\n"
                "  selector: {matchLabels: {app: shop}}\n"
                "  template:\n"
                "    metadata:\n"
                "      labels: {app: shop, tier: front}\n"
                "      annotations: {owner: team-a}\n"
                "    spec:\n"
                "      containers:\n"
                "        - name: app\n"
                "          image: busybox\n"
                "          env:\n"
                "            - {name: NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
                "            - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}\n"
                "            - {name: APP, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}\n"
                "            - {name: NOLABEL, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['x']\"}}}\n"
                "            - {name: OWNER, valueFrom: {fieldRef: {fieldPath: "
                "\"metadata.annotations['owner']\"}}}\n"
                "            - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}\n"
                "            - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}\n"
                "            - {name: MSG, value: \"$(NAME) on $(NODE)\"}\n",
                false);
        json_object *c = ctr(plan, 0, "app");
        _cleanup_free_ char *env = env_string(c);

        /* metadata.name is the pod's name: NAME-pod for a Deployment; labels and annotations are the
         * pod template's; a label that is not there is "". */
        assert_string_equal(env,
                            "NAME=shop-pod,NS=prod,APP=shop,NOLABEL=,OWNER=team-a,NODE=node1,SA=default,"
                            "MSG=shop-pod on node1");
        assert_string_equal(jstr(env_entry(c, "APP"), "source"), "fieldRef metadata.labels['app']");
        assert_string_equal(jstr(pod_at(plan, 0), "name"), "shop-pod");
        assert_string_equal(jstr(c, "name"), "shop-pod-app");
}

/* KNOWN BUG (src/common/json-util.c json_add_object, used by src/play/kube-plan.c add_env): a value
 * known only once the pod runs (status.podIP, status.hostIP, metadata.uid) is added as
 * json_object_new_null(), which json-c documents to always return NULL, and json_add_object() takes a
 * NULL value for a failed allocation: kube_plan_build() fails with -ENOMEM for any such fieldRef.
 * (json_add_string(o, key, NULL) has the same problem.) */
static void test_field_ref_known_at_start(void **state) {
        _cleanup_(json_object_putp) json_object *plan = NULL;
        json_object *c;
        _cleanup_free_ char *env = NULL;

        plan = plan_of(POD("    - name: app\n"
                           "      image: busybox\n"
                           "      env:\n"
                           "        - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}\n"
                           "        - {name: MSG, value: \"at $(IP)\"}\n"),
                       false);
        c = ctr(plan, 0, "app");
        env = env_string(c);
        /* null in the plan, and $(IP) stays as written. */
        assert_string_equal(env, "IP=<start>,MSG=at $(IP)");
        assert_string_equal(jstr(env_entry(c, "IP"), "source"),
                            "fieldRef status.podIP (known when the pod starts)");
}

static void test_field_ref_namespace_default(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of(POD("    - name: app\n"
                            "      image: busybox\n"
                            "      env:\n"
                            "        - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}\n"
                            "        - {name: NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"),
                        false);
        _cleanup_free_ char *env = env_string(ctr(plan, 0, "app"));

        assert_string_equal(env, "NS=default,NAME=web");
}

static void test_resource_field_refs(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(
                POD("    - name: app\n"
                    "      image: busybox\n"
                    "      resources:\n"
                    "        limits: {memory: 128Mi, cpu: 1500m}\n"
                    "        requests: {memory: 100M}\n"
                    "      env:\n"
                    "        - name: MEM_MI\n"
                    "          valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}\n"
                    "        - name: MEM\n"
                    "          valueFrom: {resourceFieldRef: {resource: limits.memory}}\n"
                    "        - name: REQ_MEM_MI\n"
                    "          valueFrom: {resourceFieldRef: {resource: requests.memory, divisor: 1Mi}}\n"
                    "        - name: CPU\n"
                    "          valueFrom: {resourceFieldRef: {resource: limits.cpu}}\n"
                    "        - name: CPU_M\n"
                    "          valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}\n"
                    "        - name: REQ_CPU_M\n"
                    "          valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}\n"
                    "        - name: SIDE_CPU\n"
                    "          valueFrom: {resourceFieldRef: {containerName: side, resource: limits.cpu}}\n"
                    "        - name: SIDE_MEM\n"
                    "          valueFrom: {resourceFieldRef: {containerName: side, resource: limits.memory}}\n"
                    "        - name: SIDE_REQ_CPU\n"
                    "          valueFrom: {resourceFieldRef: {containerName: side, resource: requests.cpu}}\n"
                    "        - name: SIDE_REQ_MEM\n"
                    "          valueFrom: {resourceFieldRef: {containerName: side, resource: "
                    "requests.memory}}\n"
                    "    - name: side\n"
                    "      image: busybox\n"),
                false);
        json_object *c = ctr(plan, 0, "app");
        _cleanup_free_ char *env = env_string(c);

        /* Values divided by the divisor and rounded up (100M / 1Mi = 95.37 → 96; 1.5 cpus → 2). Without
         * a limit, the node's capacity (8 cpus, 16Gi); without a request, the limit (Kubernetes'
         * defaulting: 1500m), or 0 when there is neither. */
        assert_string_equal(
                env, "MEM_MI=128,MEM=134217728,REQ_MEM_MI=96,CPU=2,CPU_M=1500,REQ_CPU_M=1500,SIDE_CPU=8,"
                     "SIDE_MEM=17179869184,SIDE_REQ_CPU=0,SIDE_REQ_MEM=0");
        assert_string_equal(jstr(env_entry(c, "CPU"), "source"), "resourceFieldRef limits.cpu");
}

/* ---- security ---- */

static void test_security_merge(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of("apiVersion: v1\n"
                        "kind: Pod\n"
                        "metadata: {name: web}\n"
                        "spec:\n"
                        "  securityContext:\n"
                        "    runAsUser: 1000\n"
                        "    runAsGroup: 2000\n"
                        "    runAsNonRoot: true\n"
                        "    fsGroup: 3000\n"
                        "    supplementalGroups: [4000, 4001]\n"
                        "    sysctls: [{name: net.core.somaxconn, value: \"1024\"}]\n"
                        "    seccompProfile: {type: Localhost, localhostProfile: profiles/p.json}\n"
                        "  containers:\n"
                        "    - name: inherit\n"
                        "      image: busybox\n"
                        "    - name: own\n"
                        "      image: busybox\n"
                        "      securityContext:\n"
                        "        runAsUser: 1001\n"
                        "        runAsNonRoot: false\n"
                        "        privileged: true\n"
                        "        readOnlyRootFilesystem: true\n"
                        "        procMount: Unmasked\n"
                        "        seccompProfile: {type: Unconfined}\n"
                        "        capabilities:\n"
                        "          add: [net_admin, CAP_SYS_TIME, chown, Kill]\n"
                        "          drop: [all]\n"
                        "    - name: nnp\n"
                        "      image: busybox\n"
                        "      securityContext: {allowPrivilegeEscalation: false, runAsGroup: 0}\n",
                        false);
        json_object *s;

        /* Everything from the pod. */
        s = jget(ctr(plan, 0, "inherit"), "security");
        assert_json(
                s,
                "{\"runAsUser\":1000,\"runAsGroup\":2000,\"runAsNonRoot\":true,\"supplementalGroups\":[4000,4001],"
                "\"fsGroup\":3000,\"privileged\":false,\"readOnlyRootFilesystem\":false,\"noNewPrivileges\":false,"
                "\"capAdd\":[],\"capDrop\":[],\"seccomp\":\"profiles/p.json\",\"procMount\":\"Default\","
                "\"sysctls\":{\"net.core.somaxconn\":\"1024\"}}");
        /* Container fields win, field by field; capabilities in podman's spelling CAP_X. */
        s = jget(ctr(plan, 0, "own"), "security");
        assert_int_equal(jint(s, "runAsUser"), 1001);
        assert_int_equal(jint(s, "runAsGroup"), 2000);
        assert_false(jbool(s, "runAsNonRoot"));
        assert_true(jbool(s, "privileged"));
        assert_true(jbool(s, "readOnlyRootFilesystem"));
        assert_string_equal(jstr(s, "seccomp"), "Unconfined");
        assert_string_equal(jstr(s, "procMount"), "Unmasked");
        assert_json(jget(s, "capAdd"), "[\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\",\"CAP_CHOWN\",\"CAP_KILL\"]");
        assert_json(jget(s, "capDrop"), "[\"ALL\"]");
        /* allowPrivilegeEscalation: false is no_new_privs; an explicit 0 is taken, not "unset". */
        s = jget(ctr(plan, 0, "nnp"), "security");
        assert_true(jbool(s, "noNewPrivileges"));
        assert_int_equal(jint(s, "runAsGroup"), 0);
        assert_int_equal(jint(s, "runAsUser"), 1000);
        assert_string_equal(jstr(s, "seccomp"), "profiles/p.json");
}

static void test_security_defaults(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of(POD("    - name: app\n      image: busybox\n"), false);

        assert_json(
                jget(ctr(plan, 0, "app"), "security"),
                "{\"runAsUser\":\"image\",\"runAsGroup\":\"image\",\"runAsNonRoot\":false,\"privileged\":false,"
                "\"readOnlyRootFilesystem\":false,\"noNewPrivileges\":false,\"capAdd\":[],\"capDrop\":[],"
                "\"seccomp\":\"RuntimeDefault\",\"procMount\":\"Default\"}");
}

/* ---- resources, images ---- */

static void test_resources(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of(POD("    - name: a\n"
                            "      image: busybox\n"
                            "      resources:\n"
                            "        limits: {memory: 1Gi, cpu: 500m}\n"
                            "        requests: {memory: 0.5Gi, cpu: \"0.25\"}\n"
                            "    - name: b\n"
                            "      image: busybox\n"
                            "      resources:\n"
                            "        limits: {memory: 1G, cpu: 2}\n"
                            "        requests: {memory: \"1.5\", cpu: 100u}\n"
                            "    - name: none\n"
                            "      image: busybox\n"),
                        false);

        assert_json(
                jget(ctr(plan, 0, "a"), "resources"),
                "{\"memoryLimitBytes\":1073741824,\"memoryRequestBytes\":536870912,\"cpuLimitMillicores\":500,"
                "\"cpuRequestMillicores\":250}");
        /* Rounded up: 1.5 bytes is 2, 100 microcores is 1 millicore. */
        assert_json(jget(ctr(plan, 0, "b"), "resources"),
                    "{\"memoryLimitBytes\":1000000000,\"memoryRequestBytes\":2,\"cpuLimitMillicores\":2000,"
                    "\"cpuRequestMillicores\":1}");
        assert_json(jget(ctr(plan, 0, "none"), "resources"), "{}");
}

static void test_pull_policy(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of(POD("    - {name: a, image: nginx}\n"
                            "    - {name: b, image: \"nginx:latest\"}\n"
                            "    - {name: c, image: \"nginx:1.25\"}\n"
                            "    - {name: d, image: \"localhost:5000/app\"}\n"
                            "    - {name: e, image: \"localhost:5000/app:v1\"}\n"
                            "    - {name: f, image: \"quay.io/org/app@sha256:"
                            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n"
                            "    - {name: g, image: \"nginx:1.25\", imagePullPolicy: Always}\n"
                            "    - {name: h, image: nginx, imagePullPolicy: Never}\n"),
                        false);

        /* Kubernetes' default: Always for :latest or no tag, IfNotPresent otherwise; a set policy wins. */
        assert_string_equal(jstr(ctr(plan, 0, "a"), "pullPolicy"), "Always");
        assert_string_equal(jstr(ctr(plan, 0, "b"), "pullPolicy"), "Always");
        assert_string_equal(jstr(ctr(plan, 0, "c"), "pullPolicy"), "IfNotPresent");
        assert_string_equal(jstr(ctr(plan, 0, "d"), "pullPolicy"), "Always"); /* ':' of the port is no tag */
        assert_string_equal(jstr(ctr(plan, 0, "e"), "pullPolicy"), "IfNotPresent");
        assert_string_equal(jstr(ctr(plan, 0, "f"), "pullPolicy"), "IfNotPresent"); /* digest, no tag */
        assert_string_equal(jstr(ctr(plan, 0, "g"), "pullPolicy"), "Always");
        assert_string_equal(jstr(ctr(plan, 0, "h"), "pullPolicy"), "Never");
        assert_string_equal(jstr(ctr(plan, 0, "e"), "image"), "localhost:5000/app:v1");
}

/* KNOWN BUG (src/play/kube-plan.c, add_container): any '@' gives IfNotPresent. Kubernetes' defaulting
 * (SetDefaults_Container) takes the tag from parsers.ParseImageName(), which keeps the tag of a
 * "name:tag@digest" reference, and pulls Always when that tag is "latest"; only a digest without a
 * tag yields no tag (IfNotPresent). */
static void test_pull_policy_latest_with_digest(void **state) {
        _cleanup_(json_object_putp) json_object *plan = NULL;

        plan = plan_of(POD("    - {name: a, image: \"nginx:latest@sha256:"
                           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n"),
                       false);
        assert_string_equal(jstr(ctr(plan, 0, "a"), "pullPolicy"), "Always");
}

/* ---- volumes, pods ---- */

static void test_volume_modes(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
                "data: {a.conf: x}\nbinaryData: {b.bin: YQ==}\n"
                "---\n"
                "apiVersion: v1\nkind: Secret\nmetadata: {name: sec}\n"
                "data: {key: YQ==, cert: b2xk}\nstringData: {cert: c}\n"
                "---\n"
                "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: store}\n"
                "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n"
                "---\n" POD("    - name: app\n"
                            "      image: busybox\n"
                            "  volumes:\n"
                            "    - {name: s, secret: {secretName: sec}}\n"
                            "    - {name: c, configMap: {name: cfg}}\n"
                            "    - name: s2\n"
                            "      secret:\n"
                            "        secretName: sec\n"
                            "        defaultMode: 0440\n"
                            "        items: [{key: key, path: k}, {key: cert, path: sub/c, mode: 0400}]\n"
                            "    - {name: gone, secret: {secretName: nosuch, optional: true}}\n"
                            "    - {name: mem, emptyDir: {medium: Memory, sizeLimit: 64Mi}}\n"
                            "    - {name: disk, emptyDir: {}}\n"
                            "    - {name: hp, hostPath: {path: /srv, type: Directory}}\n"
                            "    - {name: pv, persistentVolumeClaim: {claimName: store, readOnly: true}}\n"
                            "    - {name: pv2, persistentVolumeClaim: {claimName: adhoc}}\n"),
                false);
        json_object *vols = jget(pod_at(plan, 0), "volumes");

        assert_int_equal(json_object_array_length(vols), 9);
        /* Secret files default to 0400 (skiff's choice: owner-only), ConfigMap files to 0644. A key in
         * both data and stringData is one file. */
        assert_json(
                json_object_array_get_idx(vols, 0),
                "{\"name\":\"s\",\"type\":\"secret\",\"secret\":\"sec\",\"defaultMode\":256,\"files\":["
                "{\"path\":\"key\",\"key\":\"key\",\"mode\":256},{\"path\":\"cert\",\"key\":\"cert\",\"mode\":256}]}");
        assert_json(
                json_object_array_get_idx(vols, 1),
                "{\"name\":\"c\",\"type\":\"configMap\",\"configMap\":\"cfg\",\"defaultMode\":420,\"files\":["
                "{\"path\":\"a.conf\",\"key\":\"a.conf\",\"mode\":420},"
                "{\"path\":\"b.bin\",\"key\":\"b.bin\",\"mode\":420}]}");
        /* defaultMode applies to items without their own mode. */
        assert_json(
                json_object_array_get_idx(vols, 2),
                "{\"name\":\"s2\",\"type\":\"secret\",\"secret\":\"sec\",\"defaultMode\":288,\"files\":["
                "{\"path\":\"k\",\"key\":\"key\",\"mode\":288},{\"path\":\"sub/c\",\"key\":\"cert\",\"mode\":256}]}");
        /* An optional Secret that is missing is an empty directory. */
        assert_json(
                json_object_array_get_idx(vols, 3),
                "{\"name\":\"gone\",\"type\":\"secret\",\"secret\":\"nosuch\",\"defaultMode\":256,\"files\":[]}");
        assert_json(
                json_object_array_get_idx(vols, 4),
                "{\"name\":\"mem\",\"type\":\"emptyDir\",\"medium\":\"tmpfs\",\"sizeLimitBytes\":67108864}");
        assert_json(json_object_array_get_idx(vols, 5),
                    "{\"name\":\"disk\",\"type\":\"emptyDir\",\"medium\":\"disk\"}");
        assert_json(
                json_object_array_get_idx(vols, 6),
                "{\"name\":\"hp\",\"type\":\"hostPath\",\"path\":\"/srv\",\"hostPathType\":\"Directory\"}");
        assert_json(
                json_object_array_get_idx(vols, 7),
                "{\"name\":\"pv\",\"type\":\"persistentVolumeClaim\",\"volume\":\"store\",\"declared\":true,"
                "\"readOnly\":true}");
        assert_json(
                json_object_array_get_idx(vols, 8),
                "{\"name\":\"pv2\",\"type\":\"persistentVolumeClaim\",\"volume\":\"adhoc\",\"declared\":false,"
                "\"readOnly\":false}");
        /* The PVC itself is in the plan's top-level volumes. */
        assert_json(
                jget(plan, "volumes"),
                "[{\"name\":\"store\",\"from\":\"PersistentVolumeClaim\",\"storageRequestBytes\":1073741824}]");
}

static void test_pod_fields(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(
                POD("    - name: app\n"
                    "      image: busybox\n"
                    "      workingDir: /srv\n"
                    "      ports:\n"
                    "        - {containerPort: 80, hostPort: 8080, name: http}\n"
                    "        - {containerPort: 53, protocol: UDP}\n"
                    "      volumeMounts:\n"
                    "        - {name: d, mountPath: /d, readOnly: true, mountPropagation: HostToContainer}\n"
                    "  initContainers:\n"
                    "    - {name: setup, image: busybox}\n"
                    "    - {name: side, image: busybox, restartPolicy: Always}\n"
                    "  shareProcessNamespace: true\n"
                    "  volumes: [{name: d, emptyDir: {}}]\n"
                    "---\n"
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: hostnet}\n"
                    "spec:\n"
                    "  hostNetwork: true\n"
                    "  hostname: ignored\n"
                    "  restartPolicy: Never\n"
                    "  terminationGracePeriodSeconds: 5\n"
                    "  containers: [{name: c, image: busybox}]\n"),
                false);
        json_object *p = pod_at(plan, 0), *c = ctr(plan, 0, "app");

        assert_string_equal(jstr(p, "name"), "web");
        assert_string_equal(jstr(p, "kind"), "Pod");
        assert_string_equal(jstr(p, "source"), "f.yaml:1");
        assert_string_equal(jstr(p, "hostname"), "web");
        assert_string_equal(jstr(p, "restartPolicy"), "Always");
        assert_int_equal(jint(p, "terminationGracePeriodSeconds"), 30);
        assert_json(jget(p, "namespaces"),
                    "{\"network\":\"pod\",\"ipc\":\"pod\",\"uts\":\"pod\",\"pid\":\"pod\"}");
        assert_json(jget(p, "labels"), "{\"app\":\"shop\",\"tier\":\"front\"}");
        assert_string_equal(jstr(c, "name"), "web-app");
        assert_string_equal(jstr(c, "workingDir"), "/srv");
        assert_null(jget(c, "type"));
        assert_json(jget(c, "ports"),
                    "[{\"containerPort\":80,\"hostPort\":8080,\"protocol\":\"tcp\",\"name\":\"http\","
                    "\"published\":true},{\"containerPort\":53,\"protocol\":\"udp\","
                    "\"published\":false}]");
        assert_json(jget(c, "mounts"),
                    "[{\"volume\":\"d\",\"path\":\"/d\",\"readOnly\":true,\"propagation\":\"rslave\"}]");
        assert_string_equal(jstr(ctr(plan, 0, "setup"), "type"), "init");
        assert_string_equal(jstr(ctr(plan, 0, "side"), "type"), "sidecar");
        assert_string_equal(jstr(ctr(plan, 0, "setup"), "workingDir"), "image");

        p = pod_at(plan, 1);
        /* With the host's network, the host's name. */
        assert_string_equal(jstr(p, "hostname"), "node1");
        assert_string_equal(jstr(p, "restartPolicy"), "Never");
        assert_int_equal(jint(p, "terminationGracePeriodSeconds"), 5);
        assert_json(jget(p, "namespaces"),
                    "{\"network\":\"host\",\"ipc\":\"pod\",\"uts\":\"host\",\"pid\":\"container\"}");
        assert_string_equal(jstr(p, "source"), "f.yaml:23");
}

static void test_probes(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of(POD("    - name: app\n"
                            "      image: busybox\n"
                            "      ports: [{name: http, containerPort: 8080}]\n"
                            "      livenessProbe:\n"
                            "        httpGet: {path: /healthz, port: http, scheme: HTTPS}\n"
                            "        periodSeconds: 7\n"
                            "      readinessProbe:\n"
                            "        tcpSocket: {port: 9090}\n"
                            "      startupProbe:\n"
                            "        exec: {command: [cat, /ready]}\n"
                            "        failureThreshold: 30\n"),
                        false);
        json_object *c = ctr(plan, 0, "app");

        /* Named ports resolve to numbers; unset timings get Kubernetes' defaults. */
        assert_json(
                jget(c, "livenessProbe"),
                "{\"httpGet\":\"https://127.0.0.1:8080/healthz\",\"initialDelaySeconds\":0,\"periodSeconds\":7,"
                "\"timeoutSeconds\":1,\"successThreshold\":1,\"failureThreshold\":3}");
        assert_json(
                jget(c, "readinessProbe"),
                "{\"tcpSocket\":9090,\"initialDelaySeconds\":0,\"periodSeconds\":10,\"timeoutSeconds\":1,"
                "\"successThreshold\":1,\"failureThreshold\":3}");
        assert_json(
                jget(c, "startupProbe"),
                "{\"exec\":[\"cat\",\"/ready\"],\"initialDelaySeconds\":0,\"periodSeconds\":10,\"timeoutSeconds\":1,"
                "\"successThreshold\":1,\"failureThreshold\":30}");
}

static void test_plan_print(void **state) {
        _cleanup_(json_object_putp) json_object *plan = plan_of(env_text, false);
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        kube_plan_print(plan, f);
        fclose(f);
        assert_non_null(strstr(buf, "pod web  (Pod at f.yaml:19)\n"));
        assert_non_null(strstr(buf, "  container web-app\n"));
        assert_non_null(strstr(
                buf,
                "    argv:        [\"echo\", \"2\", \"$(NOPE)\", \"$(X)\", \"b\"] + [\"l\"]  (command + "
                "args; the image's Entrypoint and Cmd are not used)\n"));
        assert_non_null(strstr(buf, "      PW=\"(secret)\"  (secret sec key PASSWORD)\n"));
        assert_non_null(strstr(buf, "      X=\"2\"  (env)\n"));
        free(buf);
}

static void test_plan_empty(void **state) {
        _cleanup_(json_object_putp) json_object *plan =
                plan_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", false);

        assert_json(plan, "{\"pods\":[],\"volumes\":[]}");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_argv_rule),
                cmocka_unit_test(test_argv_empty_lists_are_unset),
                cmocka_unit_test(test_env_order_and_values),
                cmocka_unit_test(test_env_sources),
                cmocka_unit_test(test_env_secrets_masked),
                cmocka_unit_test(test_command_args_expanded),
                cmocka_unit_test(test_env_from_ignores_config_map_binary_data),
                cmocka_unit_test(test_config_map_key_ref_ignores_binary_data),
                cmocka_unit_test(test_env_secret_expansion_masked),
                cmocka_unit_test(test_field_refs),
                cmocka_unit_test(test_field_ref_known_at_start),
                cmocka_unit_test(test_field_ref_namespace_default),
                cmocka_unit_test(test_resource_field_refs),
                cmocka_unit_test(test_security_merge),
                cmocka_unit_test(test_security_defaults),
                cmocka_unit_test(test_resources),
                cmocka_unit_test(test_pull_policy),
                cmocka_unit_test(test_pull_policy_latest_with_digest),
                cmocka_unit_test(test_volume_modes),
                cmocka_unit_test(test_pod_fields),
                cmocka_unit_test(test_probes),
                cmocka_unit_test(test_plan_print),
                cmocka_unit_test(test_plan_empty),
        };

        return unit_run_tests("tests", tests, ELEMENTSOF(tests));
}
