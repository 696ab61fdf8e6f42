/* kube plan → RunOptions for the containers and the infra of a pod. */

#include "unit-test.h"

#include "common/json-util.h"
#include "common/strv.h"
#include "play/kube-plan.h"
#include "pod/pod-convert.h"

static const PlanHost host = { .hostname = "node1", .cpus = 4, .memory_bytes = 8LL << 30 };

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CID "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static const PodFacts facts = {
        .pod_id = ID,
        .infra_pid = 4242,
        .volumes_dir = "/var/lib/skiff/pods/" ID "/volumes",
        .named_volumes_dir = "/var/lib/skiff/volumes",
        .pause_path = "/usr/libexec/skiff/skiff-pause",
        .infra_rootfs = "/var/lib/skiff/pods/empty",
};

static json_object *plan_of(const char *text) {
        KubeSet *set = kube_set_new();
        DiagList d = DIAG_LIST_INIT;
        json_object *plan = NULL;
        PlanOptions o = { .show_secrets = true, .runtime = true };

        assert_non_null(set);
        assert_int_equal(kube_set_load(set, text, strlen(text), "t.yaml", false, &d), 0);
        assert_int_equal(kube_set_validate(set, &d), 0);
        assert_int_equal(kube_plan_build(set, &host, &o, &plan), 0);
        diag_list_done(&d);
        kube_set_free(set);
        return plan;
}

static json_object *pod0(json_object *plan) {
        json_object *pods;
        assert_true(json_object_object_get_ex(plan, "pods", &pods));
        return json_object_array_get_idx(pods, 0);
}

static json_object *ctr(json_object *pod, const char *list, size_t i) {
        json_object *a;
        assert_true(json_object_object_get_ex(pod, list, &a));
        return json_object_array_get_idx(a, i);
}

static void assert_strv(char **l, const char *const *want) {
        size_t n = 0;
        for (; want[n]; n++) {
                if (!l || !l[n])
                        fail_msg("missing [%zu] %s", n, want[n]);
                if (!streq(l[n], want[n]))
                        fail_msg("[%zu]: \"%s\", want \"%s\"", n, l[n], want[n]);
        }
        if (l && l[n])
                fail_msg("extra [%zu] %s", n, l[n]);
}

static const char web_yaml[] =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\n  annotations: {note: x}\n"
        "spec:\n  hostAliases:\n  - ip: 10.0.0.5\n    hostnames: [db, db.local]\n"
        "  terminationGracePeriodSeconds: 7\n"
        "  containers:\n"
        "  - name: server\n    image: localhost/busybox:latest\n"
        "    command: [httpd, -f, -p, '8080']\n"
        "    ports: [{name: http, containerPort: 8080}]\n"
        "    env: [{name: A, value: '1'}, {name: UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}]\n"
        "    volumeMounts:\n    - {name: www, mountPath: /www, readOnly: true}\n"
        "    - {name: scratch, mountPath: /scratch, subPath: a/b}\n    - {name: cfg, mountPath: /etc/cfg}\n"
        "    readinessProbe: {httpGet: {path: /ready, port: http, httpHeaders: [{name: X-A, value: b}]}, periodSeconds: 2}\n"
        "    lifecycle: {preStop: {exec: {command: [sh, -c, 'kill 1']}}, postStart: {tcpSocket: {port: 8080}}}\n"
        "    securityContext: {runAsUser: 1000, runAsGroup: 100, allowPrivilegeEscalation: false,\n"
        "      capabilities: {add: [NET_ADMIN], drop: [ALL]}, readOnlyRootFilesystem: true}\n"
        "    resources: {limits: {memory: 32Mi, cpu: 1500m}, requests: {cpu: 250m}}\n"
        "  - name: side\n    image: busybox\n    args: [echo, hi]\n"
        "  volumes:\n  - {name: www, hostPath: {path: /srv/www}}\n  - {name: scratch, emptyDir: {}}\n"
        "  - {name: cfg, configMap: {name: cm}}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n";

static void test_container(void **state) {
        _cleanup_json_ json_object *plan = plan_of(web_yaml);
        json_object *pod = pod0(plan);
        _cleanup_free_ char *err = NULL;
        RunOptions o;

        assert_int_equal(pod_container_options(pod, ctr(pod, "containers", 0), &facts, CID, &o, &err), 0);
        assert_string_equal(o.id, CID);
        assert_string_equal(o.name, "web-server");
        assert_string_equal(o.hostname, "web");
        assert_string_equal(o.network, "ns:/proc/4242/ns/net");
        assert_string_equal(o.ipc, "ns:/proc/4242/ns/ipc");
        assert_string_equal(o.uts, "ns:/proc/4242/ns/uts");
        assert_null(o.pid); /* no shareProcessNamespace: its own */
        assert_string_equal(o.entrypoint, "[\"httpd\",\"-f\",\"-p\",\"8080\"]");
        assert_null(o.command);
        assert_strv(o.env, (const char *const[]) { "A=1", "UID=" ID, NULL });
        assert_strv(o.volumes, (const char *const[]) { "/srv/www:/www:ro,rprivate",
                                                       "/var/lib/skiff/pods/" ID "/volumes/scratch/a/b:/scratch:rw,rprivate",
                                                       "/var/lib/skiff/pods/" ID "/volumes/cfg:/etc/cfg:ro,rprivate", NULL });
        assert_string_equal(o.user, "1000:100");
        assert_true(o.read_only);
        assert_strv(o.security_opts, (const char *const[]) { "no-new-privileges", NULL });
        assert_strv(o.cap_add, (const char *const[]) { "CAP_NET_ADMIN", NULL });
        assert_strv(o.cap_drop, (const char *const[]) { "ALL", NULL });
        assert_string_equal(o.memory, "33554432");
        assert_string_equal(o.cpus, "1.500");
        assert_string_equal(o.cpu_shares, "256");
        assert_string_equal(o.restart, "no");
        assert_string_equal(o.stop_timeout, "7");
        assert_true(strv_contains(o.labels, "app=web"));
        assert_true(strv_contains(o.labels, "io.skiff.pod=web"));
        assert_true(strv_contains(o.labels, "io.skiff.container=server"));
        assert_true(strv_contains(o.annotations, "note=x"));
        run_options_done(&o);

        /* args alone: the image's Entrypoint stays, args are the Cmd */
        assert_int_equal(pod_container_options(pod, ctr(pod, "containers", 1), &facts, CID, &o, &err), 0);
        assert_string_equal(o.name, "web-side");
        assert_null(o.entrypoint);
        assert_strv(o.command, (const char *const[]) { "echo", "hi", NULL });
        assert_null(o.user);
        assert_false(o.read_only);
        run_options_done(&o);
}

static void test_runtime_plan_details(void **state) {
        _cleanup_json_ json_object *plan = plan_of(web_yaml);
        json_object *c = ctr(pod0(plan), "containers", 0), *p, *t, *lc;

        assert_true(json_object_object_get_ex(c, "readinessProbe", &p));
        assert_true(json_object_object_get_ex(p, "target", &t));
        assert_string_equal(json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                            "{\"type\":\"httpGet\",\"host\":null,\"port\":8080,\"path\":\"/ready\",\"scheme\":\"HTTP\","
                            "\"headers\":[\"X-A: b\"]}");
        assert_true(json_object_object_get_ex(c, "lifecycle", &lc));
        assert_string_equal(json_object_to_json_string_ext(lc, JSON_C_TO_STRING_PLAIN),
                            "{\"postStart\":{\"type\":\"tcpSocket\",\"host\":null,\"port\":8080},"
                            "\"preStop\":{\"type\":\"exec\",\"command\":[\"sh\",\"-c\",\"kill 1\"]}}");
}

static void test_hosts(void **state) {
        _cleanup_json_ json_object *plan = plan_of(web_yaml);
        _cleanup_free_ char *h = pod_etc_hosts(pod0(plan));

        assert_string_equal(h, "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
                               "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"
                               "127.0.1.1\tweb\n"
                               "\n# Entries added by HostAliases.\n"
                               "10.0.0.5\tdb\tdb.local\n");
}

static void test_infra(void **state) {
        _cleanup_json_ json_object *plan = plan_of(web_yaml);
        _cleanup_free_ char *err = NULL;
        RunOptions o;
        ImageInfo img;

        assert_int_equal(pod_infra_options(pod0(plan), &facts, CID, &o, &img, &err), 0);
        assert_string_equal(o.name, "0123456789ab-infra");
        assert_string_equal(o.network, "private");
        assert_null(o.ipc);
        assert_null(o.pid);
        assert_true(o.init);
        assert_true(o.read_only);
        assert_string_equal(o.init_path, "/usr/libexec/skiff/skiff-pause");
        assert_string_equal(img.rootfs, "/var/lib/skiff/pods/empty");
        assert_string_equal(o.hostname, "web");
        assert_true(strv_contains(o.labels, "io.skiff.infra=true"));
        run_options_done(&o);
        image_info_done(&img);
}

static void test_host_namespaces_and_shared_pid(void **state) {
        static const char yaml[] =
                "apiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec:\n  hostNetwork: true\n  hostIPC: true\n"
                "  shareProcessNamespace: true\n  hostname: custom\n"
                "  securityContext: {sysctls: [{name: kernel.msgmax, value: '65536'}], supplementalGroups: [5, 6]}\n"
                "  containers: [{name: c, image: busybox, securityContext: {runAsGroup: 7}}]\n"
                "---\napiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec:\n  hostname: custom\n"
                "  shareProcessNamespace: true\n  containers: [{name: c, image: busybox}]\n";
        _cleanup_json_ json_object *plan = plan_of(yaml);
        json_object *pods, *h, *s;
        _cleanup_free_ char *err = NULL, *hosts = NULL;
        RunOptions o;

        assert_true(json_object_object_get_ex(plan, "pods", &pods));
        h = json_object_array_get_idx(pods, 0);
        s = json_object_array_get_idx(pods, 1);
        assert_int_equal(pod_container_options(h, ctr(h, "containers", 0), &facts, CID, &o, &err), 0);
        assert_string_equal(o.network, "host");
        assert_string_equal(o.ipc, "host");
        assert_string_equal(o.uts, "host");
        assert_string_equal(o.pid, "ns:/proc/4242/ns/pid");
        assert_null(o.hostname); /* the host's */
        assert_string_equal(o.user, "0:7");
        assert_strv(o.group_add, (const char *const[]) { "5", "6", NULL });
        assert_strv(o.sysctls, (const char *const[]) { "kernel.msgmax=65536", NULL });
        run_options_done(&o);
        assert_true(pod_uses_host_network(h));
        assert_null(pod_etc_hosts(h));

        assert_int_equal(pod_container_options(s, ctr(s, "containers", 0), &(PodFacts) { .pod_id = ID, .ns_dir = "/run/ns" },
                                               CID, &o, &err), 0);
        assert_string_equal(o.hostname, "custom");
        assert_string_equal(o.pid, "ns:/run/ns/pid");
        assert_string_equal(o.network, "ns:/run/ns/net");
        run_options_done(&o);
        hosts = pod_etc_hosts(s);
        assert_non_null(strstr(hosts, "127.0.1.1\tcustom s\n"));
}

static void test_volume_sources(void **state) {
        static const char yaml[] =
                "apiVersion: v1\nkind: Pod\nmetadata: {name: v}\nspec:\n  containers:\n"
                "  - {name: c, image: busybox, volumeMounts: [{name: data, mountPath: /d}, {name: s, mountPath: /s}]}\n"
                "  volumes:\n  - {name: data, persistentVolumeClaim: {claimName: claim1, readOnly: true}}\n"
                "  - {name: s, secret: {secretName: sec, defaultMode: 0440}}\n"
                "---\napiVersion: v1\nkind: Secret\nmetadata: {name: sec}\nstringData: {pw: hunter2}\n";
        _cleanup_json_ json_object *plan = plan_of(yaml);
        json_object *pod = pod0(plan), *vols, *files, *f;
        _cleanup_free_ char *err = NULL, *src = NULL;
        RunOptions o;

        assert_int_equal(pod_volume_source(pod, "data", &facts, &src), 0);
        assert_string_equal(src, "/var/lib/skiff/volumes/claim1/_data");
        assert_int_equal(pod_volume_source(pod, "nope", &facts, &src), -ENOENT);
        assert_int_equal(pod_container_options(pod, ctr(pod, "containers", 0), &facts, CID, &o, &err), 0);
        assert_strv(o.volumes, (const char *const[]) { "/var/lib/skiff/volumes/claim1/_data:/d:ro,rprivate",
                                                       "/var/lib/skiff/pods/" ID "/volumes/s:/s:ro,rprivate", NULL });
        run_options_done(&o);
        /* the secret's bytes travel in the runtime plan, base64 */
        assert_true(json_object_object_get_ex(pod, "volumes", &vols));
        assert_true(json_object_object_get_ex(json_object_array_get_idx(vols, 1), "files", &files));
        f = json_object_array_get_idx(files, 0);
        assert_string_equal(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN),
                            "{\"path\":\"pw\",\"key\":\"pw\",\"mode\":288,\"data\":\"aHVudGVyMg==\"}");
}

static void test_tmpfs_volumes(void **state) {
        static const char yaml[] =
                "apiVersion: v1\nkind: Pod\nmetadata: {name: v}\nspec:\n  containers:\n"
                "  - {name: c, image: busybox, volumeMounts: [{name: s, mountPath: /s}, {name: m, mountPath: /m},"
                " {name: d, mountPath: /d}, {name: n, mountPath: /n}]}\n"
                "  volumes:\n  - {name: s, secret: {secretName: sec}}\n"
                "  - {name: m, emptyDir: {medium: Memory, sizeLimit: 16Mi}}\n"
                "  - {name: d, emptyDir: {}}\n  - {name: n, emptyDir: {medium: Memory}}\n"
                "---\napiVersion: v1\nkind: Secret\nmetadata: {name: sec}\nstringData: {pw: hunter2}\n";
        _cleanup_json_ json_object *plan = plan_of(yaml);
        json_object *pod = pod0(plan), *vols;
        PodFacts f = facts;
        _cleanup_free_ char *err = NULL, *a = NULL, *b = NULL, *c = NULL, *src = NULL;
        RunOptions o;

        f.tmpfs_volumes_dir = "/run/skiff/pods/" ID "/volumes";
        assert_true(json_object_object_get_ex(pod, "volumes", &vols));
        assert_true(pod_volume_is_tmpfs(json_object_array_get_idx(vols, 0)));
        assert_true(pod_volume_is_tmpfs(json_object_array_get_idx(vols, 1)));
        assert_false(pod_volume_is_tmpfs(json_object_array_get_idx(vols, 2)));
        assert_true(pod_volume_is_tmpfs(json_object_array_get_idx(vols, 3)));
        /* a secret: its bytes (at most 9 for 12 base64 digits) and a page per file, plus 1 MiB */
        assert_string_equal(a = pod_volume_tmpfs_options(json_object_array_get_idx(vols, 0)), "mode=0755,size=1052681");
        assert_string_equal(b = pod_volume_tmpfs_options(json_object_array_get_idx(vols, 1)), "mode=0777,size=16777216");
        assert_string_equal(c = pod_volume_tmpfs_options(json_object_array_get_idx(vols, 3)), "mode=0777");
        assert_int_equal(pod_volume_source(pod, "s", &f, &src), 0);
        assert_string_equal(src, "/run/skiff/pods/" ID "/volumes/s");
        free(src);
        assert_int_equal(pod_volume_source(pod, "d", &f, &src), 0);
        assert_string_equal(src, "/var/lib/skiff/pods/" ID "/volumes/d");
        assert_int_equal(pod_container_options(pod, ctr(pod, "containers", 0), &f, CID, &o, &err), 0);
        assert_strv(o.volumes, (const char *const[]) { "/run/skiff/pods/" ID "/volumes/s:/s:ro,rprivate",
                                                       "/run/skiff/pods/" ID "/volumes/m:/m:rw,rprivate",
                                                       "/var/lib/skiff/pods/" ID "/volumes/d:/d:rw,rprivate",
                                                       "/run/skiff/pods/" ID "/volumes/n:/n:rw,rprivate", NULL });
        run_options_done(&o);
}

static void test_cgroup_limits(void **state) {
        static const char all[] =
                "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n"
                "  initContainers:\n  - {name: i, image: busybox, resources: {limits: {memory: 200Mi, cpu: '1'}}}\n"
                "  containers:\n"
                "  - {name: a, image: busybox, resources: {limits: {memory: 64Mi, cpu: 500m}, requests: {cpu: 250m}}}\n"
                "  - {name: b, image: busybox, resources: {limits: {memory: 32Mi, cpu: 250m}, requests: {cpu: 250m}}}\n";
        static const char some[] =
                "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\nspec:\n  containers:\n"
                "  - {name: a, image: busybox, resources: {limits: {memory: 64Mi}, requests: {cpu: 100m}}}\n"
                "  - {name: b, image: busybox}\n";
        _cleanup_json_ json_object *p1 = plan_of(all), *p2 = plan_of(some);
        _cleanup_(container_plan_freep) ContainerPlan *cp = calloc(1, sizeof(ContainerPlan));
        CgroupLimits l;

        /* every container limited: the pod gets the sum, or the largest init container's if more */
        pod_cgroup_limits(pod0(p1), &l);
        assert_int_equal(l.memory, 200 << 20);
        assert_int_equal(l.cpu_quota, 100000);
        assert_int_equal(l.cpu_period, 100000);
        assert_int_equal(l.cpu_shares, 512);
        /* one without: no pod limit, shares from the requests */
        pod_cgroup_limits(pod0(p2), &l);
        assert_int_equal(l.memory, 0);
        assert_int_equal(l.cpu_quota, 0);
        assert_int_equal(l.cpu_shares, 102);
        assert_non_null(cp);
        assert_int_equal(pod_plan_cgroup(pod0(p1), ID, cp), 0);
        assert_string_equal(cp->cgroup_parent, "skiff-pod-" ID);
        assert_int_equal(cp->parent_limits.memory, 200 << 20);
        assert_int_equal(cp->parent_limits.memory_swap, -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_container),
                cmocka_unit_test(test_runtime_plan_details),
                cmocka_unit_test(test_hosts),
                cmocka_unit_test(test_infra),
                cmocka_unit_test(test_host_namespaces_and_shared_pid),
                cmocka_unit_test(test_volume_sources),
                cmocka_unit_test(test_tmpfs_volumes),
                cmocka_unit_test(test_cgroup_limits),
        };
        return unit_run_tests("pod-convert", tests, sizeof(tests) / sizeof(tests[0]));
}
