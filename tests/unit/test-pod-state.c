/* Pod records in a temporary ROOT/RUNROOT. */

#include "unit-test.h"

#include <signal.h>
#include <sys/stat.h>

#include "common/json-util.h"
#include "common/strv.h"
#include "pod/pod-state.h"
#include "runtime/state.h"

typedef struct Ctx {
        char dir[64];
        SkiffPaths paths;
        PodStore *store;
} Ctx;

static int setup(void **state) {
        Ctx *c = calloc(1, sizeof(Ctx));
        strcpy(c->dir, "/tmp/test-pod-state-XXXXXX");
        assert_non_null(mkdtemp(c->dir));
        assert_true(asprintf(&c->paths.root, "%s/root", c->dir) > 0);
        assert_true(asprintf(&c->paths.runroot, "%s/run", c->dir) > 0);
        assert_int_equal(pod_store_open(&c->paths, &c->store), 0);
        *state = c;
        return 0;
}

static int teardown(void **state) {
        Ctx *c = *state;
        char cmd[128];
        pod_store_free(c->store);
        skiff_paths_done(&c->paths);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
        assert_int_equal(system(cmd), 0);
        free(c);
        return 0;
}

static PodConfig *config_new(const char *name) {
        PodConfig *c = calloc(1, sizeof(PodConfig));
        assert_int_equal(container_id_generate(c->id), 0);
        assert_int_equal(container_id_generate(c->infra_id), 0);
        c->name = strdup(name);
        c->kind = strdup("Pod");
        c->infra_name = strdup("x-infra");
        c->restart_policy = POD_RESTART_ON_FAILURE;
        c->members = calloc(2, sizeof(PodMember));
        c->n_members = 2;
        c->members[0] = (PodMember) { .name = strdup("init"), .full_name = strdup("p-init"), .role = POD_ROLE_INIT };
        c->members[1] = (PodMember) { .name = strdup("app"), .full_name = strdup("p-app"), .role = POD_ROLE_APP };
        assert_int_equal(container_id_generate(c->members[0].id), 0);
        assert_int_equal(container_id_generate(c->members[1].id), 0);
        assert_int_equal(strv_extend(&c->sources, "pod.yaml"), 0);
        c->plan = json_tokener_parse("{\"name\":\"p\"}");
        return c;
}

static void test_create_lookup_remove(void **state) {
        Ctx *c = *state;
        _cleanup_(pod_config_freep) PodConfig *cfg = config_new("p"), *other = config_new("p"), *loaded = NULL;
        _cleanup_free_ char *err = NULL;
        _cleanup_strv_free_ char **ids = NULL;
        char id[POD_ID_LEN + 1];
        int lock;

        lock = pod_store_lock(c->store);
        assert_true(lock >= 0);
        assert_int_equal(pod_create(c->store, cfg, &err), 0);
        /* a second pod with the same name is refused and leaves nothing */
        assert_int_equal(pod_create(c->store, other, &err), -EEXIST);
        assert_non_null(strstr(err, "pod name \"p\" is in use by pod"));
        close(lock);
        assert_int_equal(pod_list(c->store, &ids), 0);
        assert_int_equal(strv_length(ids), 1);
        assert_string_equal(ids[0], cfg->id);

        assert_int_equal(pod_lookup(c->store, "p", id), 0);
        assert_string_equal(id, cfg->id);
        {
                char prefix[8] = {};
                memcpy(prefix, cfg->id, 6);
                assert_int_equal(pod_lookup(c->store, prefix, id), 0);
        }
        assert_int_equal(pod_lookup(c->store, "nope", id), -ENOENT);

        assert_int_equal(pod_config_load(c->store, cfg->id, &loaded), 0);
        assert_string_equal(loaded->name, "p");
        assert_int_equal(loaded->n_members, 2);
        assert_string_equal(loaded->members[1].full_name, "p-app");
        assert_int_equal(loaded->members[0].role, POD_ROLE_INIT);
        assert_string_equal(loaded->members[1].id, cfg->members[1].id);
        assert_int_equal(loaded->restart_policy, POD_RESTART_ON_FAILURE);
        assert_string_equal(json_object_to_json_string_ext(loaded->plan, JSON_C_TO_STRING_PLAIN), "{\"name\":\"p\"}");

        assert_int_equal(pod_remove(c->store, cfg->id), 0);
        assert_int_equal(pod_lookup(c->store, "p", id), -ENOENT);
        ids = strv_free(ids);
        assert_int_equal(pod_list(c->store, &ids), 0);
        assert_null(ids);
        /* the name is free again */
        assert_int_equal(pod_create(c->store, other, &err), 0);
}

static void test_state_round_trip_and_supervisor_gone(void **state) {
        Ctx *c = *state;
        _cleanup_(pod_config_freep) PodConfig *cfg = config_new("q");
        PodState st = {}, back = {};
        pid_t child;
        uint64_t start = 0;

        assert_int_equal(pod_create(c->store, cfg, NULL), 0);
        /* no state yet: Created, every container waiting */
        assert_int_equal(pod_state_load(c->store, cfg->id, 2, &back), 0);
        assert_int_equal(back.status, POD_STATUS_CREATED);
        assert_int_equal(back.members[1].phase, POD_CTR_WAITING);
        pod_state_done(&back);

        /* a "supervisor" that we kill */
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        assert_int_equal(proc_starttime(child, &start), 0);
        st.status = POD_STATUS_RUNNING;
        st.supervisor_pid = child;
        st.supervisor_starttime = start;
        st.infra_pid = 77;
        st.n_members = 2;
        st.members = calloc(2, sizeof(PodMemberState));
        st.members[0] = (PodMemberState) { .phase = POD_CTR_TERMINATED, .reason = strdup("Completed"), .exit_code = 0 };
        st.members[1] = (PodMemberState) { .phase = POD_CTR_RUNNING, .restarts = 3, .ready = true, .started = true, .pid = 99 };
        assert_int_equal(pod_state_save(c->store, cfg->id, &st), 0);

        assert_int_equal(pod_state_load(c->store, cfg->id, 2, &back), 0);
        assert_int_equal(back.status, POD_STATUS_RUNNING);
        assert_int_equal(back.members[1].restarts, 3);
        assert_true(back.members[1].ready);
        assert_string_equal(back.members[0].reason, "Completed");
        pod_state_done(&back);

        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        assert_int_equal(pod_state_load(c->store, cfg->id, 2, &back), 0);
        assert_int_equal(back.status, POD_STATUS_EXITED);
        assert_non_null(strstr(back.reason, "supervisor gone"));
        assert_int_equal(back.members[1].phase, POD_CTR_TERMINATED);
        assert_string_equal(back.members[1].reason, "SupervisorGone");
        assert_false(back.members[1].ready);
        /* the init container that had completed keeps its record */
        assert_string_equal(back.members[0].reason, "Completed");
        pod_state_done(&back);
        pod_state_done(&st);
}

static void test_play_marker(void **state) {
        Ctx *c = *state;
        char id[POD_ID_LEN + 1];
        _cleanup_strv_free_ char **ids = NULL;
        pid_t child;
        int fd, st;

        assert_int_equal(container_id_generate(id), 0);
        fd = pod_play_begin(c->store, id);
        assert_true(fd >= 0);
        assert_true(pod_play_incomplete(c->store, id, true));
        assert_false(pod_play_incomplete(c->store, id, false)); /* we hold it */
        /* a pod with only a marker (no config yet) is listed, so down/--replace can find it */
        assert_int_equal(pod_list(c->store, &ids), 0);
        assert_true(strv_contains(ids, id));
        /* the same from another process: still held */
        child = fork();
        if (child == 0)
                _exit(pod_play_incomplete(c->store, id, false) ? 1 : 0);
        waitpid(child, &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_int_equal(pod_play_end(c->store, id, fd), 0);
        /* no marker and no config: debris */
        assert_true(pod_play_incomplete(c->store, id, false));
        assert_int_equal(pod_remove(c->store, id), 0);

        /* a play that was killed: the kernel dropped its lock */
        child = fork();
        if (child == 0) {
                int k = pod_play_begin(c->store, id);
                _exit(k >= 0 ? 0 : 1); /* dies holding it */
        }
        waitpid(child, &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_true(pod_play_incomplete(c->store, id, false));
        assert_int_equal(pod_remove(c->store, id), 0);
        ids = strv_free(ids);
        assert_int_equal(pod_list(c->store, &ids), 0);
        assert_false(strv_contains(ids, id));
}

static void test_bad_records(void **state) {
        Ctx *c = *state;
        _cleanup_(pod_config_freep) PodConfig *cfg = config_new("r");
        PodConfig *loaded = NULL;
        char path[512];
        FILE *f;

        assert_int_equal(pod_create(c->store, cfg, NULL), 0);
        snprintf(path, sizeof(path), "%s/pods/%s/config.json", c->paths.root, cfg->id);
        f = fopen(path, "w");
        fputs("{\"id\": \"short\"}", f);
        fclose(f);
        assert_int_equal(pod_config_load(c->store, cfg->id, &loaded), -EBADMSG);
        f = fopen(path, "w");
        fputs("not json", f);
        fclose(f);
        assert_int_equal(pod_config_load(c->store, cfg->id, &loaded), -EBADMSG);
        assert_int_equal(pod_config_load(c->store, "../../etc", &loaded), -ENOENT);
        assert_int_equal(pod_remove(c->store, cfg->id), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_lookup_remove, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_round_trip_and_supervisor_gone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_play_marker, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
        };
        return unit_run_tests("pod-state", tests, sizeof(tests) / sizeof(tests[0]));
}
