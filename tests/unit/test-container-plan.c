/* Unit tests for the container plan (src/runtime/plan-*.c): every rule of container_plan_build(), on a
 * fake image made of layer directories in a temporary directory. Runs as any user, offline. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/fileio.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "unit-test.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char tmpdir[] = "/tmp/test-container-plan.XXXXXX";
static char *layer0, *layer1, *layer2;
static SkiffPaths paths;

static void write_at(const char *dir, const char *rel, const char *content) {
        char *p, *d;

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        d = strdup(p);
        *strrchr(d, '/') = 0;
        assert_int_equal(mkdir_p(d, 0755), 0);
        assert_int_equal(write_file_atomic_at(AT_FDCWD, p, content, strlen(content), 0644), 0);
        free(p);
        free(d);
}

static char **strv_new_va(const char *first, ...) {
        char **l = NULL;
        va_list ap;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
                assert_int_equal(strv_extend(&l, s), 0);
        va_end(ap);
        return l;
}
#define STRV(...) strv_new_va(__VA_ARGS__, NULL)

static int setup_image(void **state) {
        assert_non_null(mkdtemp(tmpdir));
        assert_true(asprintf(&layer0, "%s/l0", tmpdir) > 0);
        assert_true(asprintf(&layer1, "%s/l1", tmpdir) > 0);
        assert_true(asprintf(&layer2, "%s/l2", tmpdir) > 0);
        /* base layer: users and groups */
        write_at(layer0, "etc/passwd",
                 "root:x:0:0:root:/root:/bin/sh\n"
                 "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                 "# a comment\n"
                 "app:x:1000:1000:App:/home/app:/bin/sh\n"
                 "gone:x:1001:1001::/home/gone:/bin/sh\n");
        write_at(layer0, "etc/group",
                 "root:x:0:\nwheel:x:10:app,daemon\naudio:x:29:app\napp:x:1000:\nstaff:x:50:\n");
        write_at(layer0, "etc/secret/old", "x\n");
        write_at(layer0, "etc/hidden", "base\n");
        /* middle layer: a whiteout for /etc/hidden, an opaque /etc/secret */
        write_at(layer1, "etc/.wh.hidden", "");
        write_at(layer1, "etc/secret/.wh..wh..opq", "");
        write_at(layer1, "etc/secret/new", "y\n");
        /* top layer: replaces /etc/group (app loses audio) */
        write_at(layer2, "etc/group",
                 "root:x:0:\nwheel:x:10:app,daemon\napp:x:1000:\nstaff:x:50:\nvideo:x:44:\n");
        write_at(tmpdir, "root-ro/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        write_at(tmpdir, "vol/file", "v\n");
        write_at(tmpdir, "env.list", "# comment\n\nFROM_FILE=1\nSHARED=file\n  INDENTED=yes\r\nHOST_ONLY\n");
        write_at(tmpdir, "bad.env", "GOOD=1\n=bad\n");
        assert_true(asprintf(&paths.root, "%s/root", tmpdir) > 0);
        assert_true(asprintf(&paths.runroot, "%s/run", tmpdir) > 0);
        return 0;
}

static int teardown_image(void **state) {
        char *cmd;

        assert_true(asprintf(&cmd, "rm -rf '%s'", tmpdir) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        free(layer0);
        free(layer1);
        free(layer2);
        skiff_paths_done(&paths);
        return 0;
}

static void opts_init(RunOptions *o) {
        *o = (RunOptions){.id = strdup(ID)};
}

static void image_init(ImageInfo *i) {
        *i = (ImageInfo){
                .id = strdup("sha256:feed"),
                .name = strdup("localhost/test:1"),
                .entrypoint = STRV("/bin/ep"),
                .cmd = STRV("arg1", "arg2"),
                .env = STRV("PATH=/image/bin", "SHARED=image", "IMAGE_ONLY=1"),
                .layer_dirs = STRV(layer0, layer1, layer2),
        };
}

static ContainerPlan *build_ok(RunOptions *o, ImageInfo *i) {
        ContainerPlan *p = NULL;
        char *err = NULL;
        int r = container_plan_build(o, i, &paths, &p, &err);

        if (r < 0)
                fail_msg("container_plan_build: %s (%s)", strerror(-r), strempty(err));
        free(err);
        return p;
}

static char *build_err(RunOptions *o, ImageInfo *i, int expect) {
        ContainerPlan *p = NULL;
        char *err = NULL;
        int r = container_plan_build(o, i, &paths, &p, &err);

        assert_null(p);
        assert_int_equal(r, expect);
        assert_non_null(err);
        assert_null(strchr(err, '\n'));
        return err;
}

#define ASSERT_ERR(o, i, code, msg)                     \
        do {                                            \
                char *_e = build_err((o), (i), (code)); \
                assert_string_equal(_e, (msg));         \
                free(_e);                               \
        } while (0)

static const char *env_get(char **env, const char *name) {
        size_t n = strlen(name);
        STRV_FOREACH(e, env)
                if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

static ssize_t env_index(char **env, const char *name) {
        size_t n = strlen(name);
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
                        return (ssize_t) i;
        return -1;
}

static const PlanMount *mount_get(const ContainerPlan *p, const char *dst) {
        for (size_t i = 0; i < p->n_mounts; i++)
                if (streq(p->mounts[i].destination, dst))
                        return &p->mounts[i];
        return NULL;
}

static void assert_argv(char **argv, char **expect) {
        char *a = strv_join(argv, "|"), *b = strv_join(expect, "|");
        assert_string_equal(a, b);
        free(a);
        free(b);
        strv_free(expect);
}

/* ---- argv ---- */

static void test_argv_rules(void **state) {
        RunOptions o;
        ImageInfo i;
        char **argv = NULL, *err = NULL;

        opts_init(&o);
        image_init(&i);
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("/bin/ep", "arg1", "arg2"));
        argv = strv_free(argv);

        /* a command replaces Cmd, keeps the Entrypoint */
        o.command = STRV("echo", "hi");
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("/bin/ep", "echo", "hi"));
        argv = strv_free(argv);

        /* --entrypoint with a command: both */
        o.entrypoint = strdup("/bin/sh");
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("/bin/sh", "echo", "hi"));
        argv = strv_free(argv);

        /* --entrypoint alone drops the image's Cmd */
        o.command = strv_free(o.command);
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("/bin/sh"));
        argv = strv_free(argv);

        /* a JSON array gives several words */
        free(o.entrypoint);
        o.entrypoint = strdup("[\"/bin/sh\", \"-c\"]");
        o.command = STRV("echo x");
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("/bin/sh", "-c", "echo x"));
        argv = strv_free(argv);

        /* '' clears the entrypoint: the command alone */
        free(o.entrypoint);
        o.entrypoint = strdup("");
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("echo x"));
        argv = strv_free(argv);

        /* '' and no command: nothing to run */
        o.command = strv_free(o.command);
        assert_int_equal(plan_argv(&o, &i, &argv, &err), -EINVAL);
        assert_non_null(strstr(err, "no command"));
        free(err);
        err = NULL;

        /* a bad JSON array */
        free(o.entrypoint);
        o.entrypoint = strdup("[\"a\", 1]");
        assert_int_equal(plan_argv(&o, &i, &argv, &err), -EINVAL);
        assert_string_equal(err, "--entrypoint [\"a\", 1]: not a JSON array of strings");
        free(err);
        err = NULL;

        /* an image with Cmd only */
        free(o.entrypoint);
        o.entrypoint = NULL;
        i.entrypoint = strv_free(i.entrypoint);
        assert_int_equal(plan_argv(&o, &i, &argv, &err), 0);
        assert_argv(argv, STRV("arg1", "arg2"));
        argv = strv_free(argv);

        run_options_done(&o);
        image_info_done(&i);
}

/* ---- env ---- */

static void test_env_order_and_precedence(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;

        setenv("TEST_PLAN_HOST", "fromhost", 1);
        setenv("HOST_ONLY", "h1", 1);
        setenv("TPFX_A", "a", 1);
        setenv("TPFX_B", "b", 1);
        unsetenv("TEST_PLAN_UNSET");
        opts_init(&o);
        image_init(&i);
        char *f;
        assert_true(asprintf(&f, "%s/env.list", tmpdir) > 0);
        assert_int_equal(strv_consume(&o.env_files, f), 0);
        o.env = STRV("SHARED=flag", "TEST_PLAN_HOST", "TEST_PLAN_UNSET", "WITH_EQ=a=b", "TPFX_*", "EMPTY=");
        p = build_ok(&o, &i);

        assert_string_equal(env_get(p->env, "PATH"), "/image/bin"); /* image over the default */
        assert_int_equal(env_index(p->env, "PATH"), 0);             /* ...keeping its place */
        assert_string_equal(env_get(p->env, "IMAGE_ONLY"), "1");
        assert_string_equal(env_get(p->env, "FROM_FILE"), "1");
        assert_string_equal(env_get(p->env, "INDENTED"), "yes");
        assert_string_equal(env_get(p->env, "HOST_ONLY"), "h1"); /* NAME alone in a file */
        assert_string_equal(env_get(p->env, "SHARED"), "flag");  /* -e over file over image */
        assert_string_equal(env_get(p->env, "TEST_PLAN_HOST"), "fromhost");
        assert_null(env_get(p->env, "TEST_PLAN_UNSET")); /* unset on the host: skipped */
        assert_string_equal(env_get(p->env, "WITH_EQ"), "a=b");
        assert_string_equal(env_get(p->env, "EMPTY"), "");
        assert_string_equal(env_get(p->env, "TPFX_A"), "a");
        assert_string_equal(env_get(p->env, "TPFX_B"), "b");
        assert_string_equal(env_get(p->env, "HOME"), "/root");
        assert_string_equal(env_get(p->env, "HOSTNAME"), "0123456789ab");
        assert_string_equal(env_get(p->env, "container"), "podman");
        assert_null(env_get(p->env, "TERM"));
        assert_true(env_index(p->env, "IMAGE_ONLY") < env_index(p->env, "FROM_FILE"));
        assert_true(env_index(p->env, "FROM_FILE") < env_index(p->env, "WITH_EQ"));
        container_plan_free(p);

        /* --env-host: the caller's environment before --env-file and -e; -t adds TERM */
        o.env_host = true;
        o.tty = true;
        p = build_ok(&o, &i);
        assert_string_equal(env_get(p->env, "TPFX_A"), "a");
        assert_string_equal(env_get(p->env, "SHARED"), "flag");
        assert_string_equal(env_get(p->env, "TERM"), "xterm");
        assert_string_equal(env_get(p->env, "PATH"), getenv("PATH")); /* the host's PATH over the image's */
        container_plan_free(p);

        /* errors name the file and line, or the flag */
        o.env_host = false;
        o.env_files = strv_free(o.env_files);
        assert_true(asprintf(&f, "%s/bad.env", tmpdir) > 0);
        assert_int_equal(strv_consume(&o.env_files, f), 0);
        char *e = build_err(&o, &i, -EINVAL), *want;
        assert_true(asprintf(&want, "--env-file %s/bad.env:2: =bad: invalid variable name", tmpdir) > 0);
        assert_string_equal(e, want);
        free(e);
        free(want);
        o.env_files = strv_free(o.env_files);
        assert_true(asprintf(&f, "%s/missing.env", tmpdir) > 0);
        assert_int_equal(strv_consume(&o.env_files, f), 0);
        e = build_err(&o, &i, -ENOENT);
        assert_true(asprintf(&want, "--env-file %s/missing.env: No such file or directory", tmpdir) > 0);
        assert_string_equal(e, want);
        free(e);
        free(want);
        o.env_files = strv_free(o.env_files);
        strv_free(o.env);
        o.env = STRV("=x");
        ASSERT_ERR(&o, &i, -EINVAL, "-e =x: invalid variable name");

        run_options_done(&o);
        image_info_done(&i);
}

/* ---- users ---- */

static void test_image_files_through_layers(void **state) {
        char *const layers[] = {layer0, layer1, layer2, NULL};
        char *buf = NULL;
        int fd;

        fd = plan_open_image_file(layers, NULL, "/etc/group");
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "r");
        assert_non_null(f);
        assert_int_equal(read_full_stream(f, 0, &buf, NULL), 0);
        assert_non_null(strstr(buf, "video")); /* the top layer's copy */
        free(buf);
        fclose(f);
        assert_int_equal(plan_open_image_file(layers, NULL, "/etc/hidden"), -ENOENT);     /* whiteout */
        assert_int_equal(plan_open_image_file(layers, NULL, "/etc/secret/old"), -ENOENT); /* opaque dir */
        fd = plan_open_image_file(layers, NULL, "/etc/secret/new");
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(plan_open_image_file(layers, NULL, "/etc/nothing"), -ENOENT);
        assert_int_equal(plan_open_image_file(layers, NULL, "/etc/../etc/passwd"), -EINVAL);
        assert_int_equal(plan_open_image_file(layers, NULL, "etc/passwd"), -EINVAL);
        /* only the lower layers: the base's files */
        char *const lower[] = {layer0, NULL};
        fd = plan_open_image_file(lower, NULL, "/etc/hidden");
        assert_true(fd >= 0);
        close(fd);

        /* overlayfs' own whiteout, a 0:0 character device (needs CAP_MKNOD) */
        char *dev;
        assert_true(asprintf(&dev, "%s/etc/passwd", layer2) > 0);
        if (mknod(dev, S_IFCHR | 0600, makedev(0, 0)) == 0) {
                assert_int_equal(plan_open_image_file(layers, NULL, "/etc/passwd"), -ENOENT);
                unlink(dev);
        } else
                print_message("# 0:0 whiteout not checked: mknod: %s\n", strerror(errno));
        free(dev);
}

static void test_user_resolution(void **state) {
        char *const layers[] = {layer0, layer1, layer2, NULL};
        uid_t uid;
        gid_t gid, *groups = NULL;
        size_t n;
        char *home = NULL, *err = NULL;

        /* default: root */
        assert_int_equal(plan_resolve_user(layers, NULL, NULL, NULL, &uid, &gid, &groups, &n, &home, &err),
                         0);
        assert_int_equal(uid, 0);
        assert_int_equal(gid, 0);
        assert_string_equal(home, "/root");
        free(home);
        free(groups);

        /* by name: gid from passwd, groups from the TOP layer's /etc/group (no audio any more) */
        assert_int_equal(plan_resolve_user(layers, NULL, "app", NULL, &uid, &gid, &groups, &n, &home, &err),
                         0);
        assert_int_equal(uid, 1000);
        assert_int_equal(gid, 1000);
        assert_int_equal(n, 1);
        assert_int_equal(groups[0], 10);
        assert_string_equal(home, "/home/app");
        free(home);
        free(groups);

        /* numeric uid known to passwd: its gid; unknown: gid 0, no home */
        assert_int_equal(plan_resolve_user(layers, NULL, "1", NULL, &uid, &gid, &groups, &n, &home, &err),
                         0);
        assert_int_equal(uid, 1);
        assert_int_equal(gid, 1);
        free(home);
        free(groups);
        assert_int_equal(plan_resolve_user(layers, NULL, "4242", NULL, &uid, &gid, &groups, &n, &home, &err),
                         0);
        assert_int_equal(uid, 4242);
        assert_int_equal(gid, 0);
        assert_null(home);
        assert_int_equal(n, 0);
        free(groups);

        /* uid:gid and name:group; an explicit group drops the memberships */
        assert_int_equal(
                plan_resolve_user(layers, NULL, "4242:77", NULL, &uid, &gid, &groups, &n, &home, &err), 0);
        assert_int_equal(gid, 77);
        free(groups);
        assert_int_equal(
                plan_resolve_user(layers, NULL, "app:staff", NULL, &uid, &gid, &groups, &n, &home, &err), 0);
        assert_int_equal(uid, 1000);
        assert_int_equal(gid, 50);
        assert_int_equal(n, 0);
        free(home);
        free(groups);

        /* --group-add by name and number, no duplicates */
        char **add = STRV("video", "10", "123");
        assert_int_equal(plan_resolve_user(layers, NULL, "app", add, &uid, &gid, &groups, &n, &home, &err),
                         0);
        assert_int_equal(n, 3);
        assert_int_equal(groups[0], 10);
        assert_int_equal(groups[1], 44);
        assert_int_equal(groups[2], 123);
        free(home);
        free(groups);
        strv_free(add);

        /* errors */
        assert_int_equal(
                plan_resolve_user(layers, NULL, "nobody2", NULL, &uid, &gid, &groups, &n, &home, &err),
                -ENOENT);
        assert_string_equal(err, "user nobody2: no user \"nobody2\" in the image's /etc/passwd");
        free(err);
        err = NULL;
        assert_int_equal(
                plan_resolve_user(layers, NULL, "app:nogroup", NULL, &uid, &gid, &groups, &n, &home, &err),
                -ENOENT);
        assert_string_equal(err, "user app:nogroup: no group \"nogroup\" in the image's /etc/group");
        free(err);
        err = NULL;
        char **badadd = STRV("nosuch");
        assert_int_equal(
                plan_resolve_user(layers, NULL, "app", badadd, &uid, &gid, &groups, &n, &home, &err),
                -ENOENT);
        strv_free(badadd);
        assert_string_equal(err, "--group-add nosuch: no group \"nosuch\" in the image's /etc/group");
        free(err);
        err = NULL;
        assert_int_equal(plan_resolve_user(layers, NULL, ":5", NULL, &uid, &gid, &groups, &n, &home, &err),
                         -EINVAL);
        free(err);
        err = NULL;

        /* a plain rootfs directory */
        char *rootfs;
        assert_true(asprintf(&rootfs, "%s/root-ro", tmpdir) > 0);
        assert_int_equal(plan_resolve_user(NULL, rootfs, "root", NULL, &uid, &gid, &groups, &n, &home, &err),
                         0);
        free(home);
        free(groups);
        assert_int_equal(plan_resolve_user(NULL, rootfs, "app", NULL, &uid, &gid, &groups, &n, &home, &err),
                         -ENOENT);
        free(err);
        free(rootfs);
}

static void test_user_in_plan(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;

        opts_init(&o);
        image_init(&i);
        i.user = strdup("app");
        p = build_ok(&o, &i);
        assert_int_equal(p->uid, 1000);
        assert_string_equal(p->user, "app");
        assert_string_equal(env_get(p->env, "HOME"), "/home/app");
        /* a non-root user: bounding set only (rtsec's rule) */
        assert_int_equal(p->caps.effective, 0);
        assert_true(p->caps.bounding != 0);
        container_plan_free(p);

        o.user = strdup("nobody2");
        ASSERT_ERR(&o, &i, -ENOENT, "--user nobody2: no user \"nobody2\" in the image's /etc/passwd");
        free(o.user);
        o.user = NULL;
        free(i.user);
        i.user = strdup("ghost");
        ASSERT_ERR(&o, &i, -ENOENT, "image user ghost: no user \"ghost\" in the image's /etc/passwd");
        run_options_done(&o);
        image_info_done(&i);
}

/* ---- mounts ---- */

static void test_parse_volume(void **state) {
        PlanMount m;
        char *err = NULL;

        assert_int_equal(plan_parse_volume("/src:/dst", &m, &err), 0);
        assert_string_equal(m.type, "bind");
        assert_string_equal(m.source, "/src");
        assert_string_equal(m.destination, "/dst");
        assert_int_equal(m.flags, MS_BIND | MS_REC);
        assert_int_equal(m.propagation, MS_PRIVATE | MS_REC);
        plan_mount_done(&m);

        assert_int_equal(plan_parse_volume("/src:/dst/:ro,Z,nosuid,nodev,noexec,rshared,U", &m, &err), 0);
        assert_string_equal(m.destination, "/dst");
        assert_int_equal(m.flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        assert_int_equal(m.propagation, MS_SHARED | MS_REC);
        assert_int_equal(m.extra, PLAN_MOUNT_CHOWN);
        plan_mount_done(&m);

        assert_int_equal(plan_parse_volume("/src:/dst:bind,z,slave,rw,exec", &m, &err), 0);
        assert_int_equal(m.flags, MS_BIND);
        assert_int_equal(m.propagation, MS_SLAVE);
        plan_mount_done(&m);

        struct {
                const char *spec;
                int r;
                const char *msg;
        } bad[] = {
                {"/src:dst", -EINVAL, "-v /src:dst: destination \"dst\" is not an absolute path"},
                {"/src:/", -EINVAL, "-v /src:/: cannot mount over the container's /"},
                {"/src:/a/../b", -EINVAL, "-v /src:/a/../b: destination \"/a/../b\" is not a clean path"},
                {"/src:/d:ro,rw", -EINVAL, "-v /src:/d:ro,rw: more than one of ro and rw"},
                {"/src:/d:shared,private", -EINVAL,
                 "-v /src:/d:shared,private: more than one propagation option"},
                {"/src:/d:bogus", -EINVAL, "-v /src:/d:bogus: unknown option \"bogus\""},
                {"/src:/d:size=1", -EINVAL, "-v /src:/d:size=1: unknown option \"size=1\""},
                {"/src:/d:O", -EOPNOTSUPP, "-v /src:/d:O: option \"O\" is not supported"},
                {"/src:/d:ro:x", -EINVAL, "-v /src:/d:ro:x: too many ':'"},
                {"vol:/d", -EOPNOTSUPP,
                 "-v vol:/d: named volume \"vol\" is not supported, give an absolute host path"},
                {"/d", -EOPNOTSUPP, "-v /d: anonymous volumes are not supported, give SOURCE:DESTINATION"},
        };
        FOREACH_ARRAY(b, bad, ELEMENTSOF(bad)) {
                assert_int_equal(plan_parse_volume(b->spec, &m, &err), b->r);
                assert_string_equal(err, b->msg);
                free(err);
                err = NULL;
        }
}

static void test_parse_mount_and_tmpfs(void **state) {
        PlanMount m;
        char *err = NULL;

        assert_int_equal(
                plan_parse_mount("type=bind,source=/s,target=/t,readonly,bind-propagation=rslave", &m, &err),
                0);
        assert_string_equal(m.type, "bind");
        assert_string_equal(m.source, "/s");
        assert_string_equal(m.destination, "/t");
        assert_int_equal(m.flags, MS_BIND | MS_REC | MS_RDONLY);
        assert_int_equal(m.propagation, MS_SLAVE | MS_REC);
        plan_mount_done(&m);
        assert_int_equal(
                plan_parse_mount("type=bind,src=/s,dst=/t,ro=false,bind-nonrecursive=true,relabel=private",
                                 &m, &err),
                0);
        assert_int_equal(m.flags, MS_BIND);
        plan_mount_done(&m);
        assert_int_equal(
                plan_parse_mount("type=tmpfs,destination=/scratch,tmpfs-size=10m,tmpfs-mode=700", &m, &err),
                0);
        assert_string_equal(m.type, "tmpfs");
        assert_string_equal(m.data, "size=10m,mode=700");
        assert_int_equal(m.flags, MS_NOSUID | MS_NODEV);
        plan_mount_done(&m);

        struct {
                const char *spec;
                int r;
                const char *msg;
        } bad[] = {
                {"source=/s,target=/t", -EINVAL, "--mount source=/s,target=/t: type= is required"},
                {"type=bind,source=/s", -EINVAL, "--mount type=bind,source=/s: destination= is required"},
                {"type=bind,target=/t", -EINVAL,
                 "--mount type=bind,target=/t: a bind needs an absolute source="},
                {"type=volume,source=v,target=/t", -EOPNOTSUPP,
                 "--mount type=volume,source=v,target=/t: type=volume is not supported (bind, tmpfs)"},
                {"type=bind,source=/s,target=/t,ro=maybe", -EINVAL,
                 "--mount type=bind,source=/s,target=/t,ro=maybe: ro=maybe: not a boolean"},
                {"type=tmpfs,target=/t,tmpfs-size=lots", -EINVAL,
                 "--mount type=tmpfs,target=/t,tmpfs-size=lots: tmpfs-size=lots: invalid size"},
                {"type=tmpfs,target=/t,tmpfs-mode=999", -EINVAL,
                 "--mount type=tmpfs,target=/t,tmpfs-mode=999: tmpfs-mode=999: not an octal mode"},
                {"type=bind,source=/s,target=/t,foo=1", -EINVAL,
                 "--mount type=bind,source=/s,target=/t,foo=1: unknown option \"foo\""},
                {"type=bind,source=/s,target=/t,target=/u", -EINVAL,
                 "--mount type=bind,source=/s,target=/t,target=/u: target given twice"},
        };
        FOREACH_ARRAY(b, bad, ELEMENTSOF(bad)) {
                assert_int_equal(plan_parse_mount(b->spec, &m, &err), b->r);
                assert_string_equal(err, b->msg);
                free(err);
                err = NULL;
        }

        /* --tmpfs: podman's defaults rw,noexec,nosuid,nodev, overridable; fs options as data */
        assert_int_equal(plan_parse_tmpfs("/run/x", &m, &err), 0);
        assert_int_equal(m.flags, MS_NOEXEC | MS_NOSUID | MS_NODEV);
        assert_null(m.data);
        plan_mount_done(&m);
        assert_int_equal(plan_parse_tmpfs("/t:exec,size=64m,mode=1777,ro,notmpcopyup", &m, &err), 0);
        assert_int_equal(m.flags, MS_NOSUID | MS_NODEV | MS_RDONLY);
        assert_string_equal(m.data, "size=64m,mode=1777");
        plan_mount_done(&m);
        assert_int_equal(plan_parse_tmpfs("/t:bogus=1", &m, &err), -EINVAL);
        assert_string_equal(err, "--tmpfs /t:bogus=1: unknown option \"bogus=1\"");
        free(err);
        err = NULL;
        assert_int_equal(plan_parse_tmpfs("/t:rbind", &m, &err), -EINVAL);
        free(err);
        err = NULL;
        assert_int_equal(plan_parse_tmpfs("t", &m, &err), -EINVAL);
        free(err);
}

static void test_mounts_in_plan(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;
        char *v1, *v2;
        const PlanMount *m;

        opts_init(&o);
        image_init(&i);
        p = build_ok(&o, &i);
        /* the system mounts, in order, as podman gives them */
        const char *order[] = {"/proc",    "/dev",       "/dev/pts",      "/dev/mqueue",     "/sys",
                               "/dev/shm", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"};
        assert_int_equal(p->n_mounts, ELEMENTSOF(order));
        for (size_t k = 0; k < ELEMENTSOF(order); k++)
                assert_string_equal(p->mounts[k].destination, order[k]);
        m = mount_get(p, "/sys");
        assert_true(m->flags & MS_RDONLY);
        m = mount_get(p, "/dev/shm");
        assert_string_equal(m->data, "mode=1777,size=65536k");
        m = mount_get(p, "/etc/hosts");
        assert_true(m->flags & MS_BIND);
        assert_true(m->extra & PLAN_MOUNT_FILE);
        assert_true(endswith(m->source, "/run/containers/" ID "/run/hosts"));
        assert_true(strv_contains(p->masked_paths, "/proc/kcore"));
        assert_true(strv_contains(p->masked_paths, "/sys/firmware"));
        assert_true(strv_contains(p->readonly_paths, "/proc/sys"));
        assert_true(strv_contains(p->readonly_paths, "/proc/sysrq-trigger"));
        assert_false(p->read_only);
        assert_true(endswith(p->upper_dir, "/root/containers/" ID "/upper"));
        assert_string_equal(p->lower_dirs[0], layer0);
        container_plan_free(p);

        /* user mounts: sorted parents first, replace a system mount, file binds known */
        assert_true(asprintf(&v1, "%s/vol:/data/sub:ro", tmpdir) > 0);
        assert_true(asprintf(&v2, "%s/vol/file:/data/f", tmpdir) > 0);
        o.volumes = STRV(v1, v2);
        o.tmpfs = STRV("/data", "/dev/shm:size=1m");
        o.shm_size = strdup("128m");
        p = build_ok(&o, &i);
        size_t a = 0, b = 0, c = 0;
        for (size_t k = 0; k < p->n_mounts; k++) {
                if (streq(p->mounts[k].destination, "/data"))
                        a = k;
                if (streq(p->mounts[k].destination, "/data/sub"))
                        b = k;
                if (streq(p->mounts[k].destination, "/data/f"))
                        c = k;
        }
        assert_true(a < b && a < c);
        assert_true(mount_get(p, "/data/sub")->flags & MS_RDONLY);
        assert_true(mount_get(p, "/data/f")->extra & PLAN_MOUNT_FILE);
        assert_false(mount_get(p, "/data/sub")->extra & PLAN_MOUNT_FILE);
        assert_string_equal(mount_get(p, "/dev/shm")->data, "size=1m"); /* --tmpfs replaced --shm-size's */
        container_plan_free(p);
        free(v1);
        free(v2);
        o.tmpfs = strv_free(o.tmpfs);
        strv_free(o.volumes);

        /* --shm-size alone */
        o.volumes = NULL;
        p = build_ok(&o, &i);
        assert_string_equal(mount_get(p, "/dev/shm")->data, "mode=1777,size=131072k");
        container_plan_free(p);

        /* duplicates and missing sources are errors naming the flag */
        o.tmpfs = STRV("/x", "/x/");
        ASSERT_ERR(&o, &i, -EINVAL, "--tmpfs /x/: duplicate mount destination /x");
        o.tmpfs = strv_free(o.tmpfs);
        o.volumes = STRV("/nonexistent-skiff-test:/d");
        ASSERT_ERR(
                &o, &i, -ENOENT,
                "-v /nonexistent-skiff-test:/d: source /nonexistent-skiff-test: No such file or directory");
        o.volumes = strv_free(o.volumes);
        free(o.shm_size);
        o.shm_size = strdup("lots");
        ASSERT_ERR(&o, &i, -EINVAL, "--shm-size lots: invalid size");
        free(o.shm_size);
        o.shm_size = NULL;

        run_options_done(&o);
        image_info_done(&i);
}

static void test_read_only_and_privileged(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;

        opts_init(&o);
        image_init(&i);
        o.read_only = true;
        p = build_ok(&o, &i);
        assert_true(p->read_only);
        assert_non_null(mount_get(p, "/tmp"));
        assert_non_null(mount_get(p, "/var/tmp"));
        assert_non_null(mount_get(p, "/run"));
        container_plan_free(p);
        o.read_only_tmpfs = strdup("false");
        p = build_ok(&o, &i);
        assert_null(mount_get(p, "/tmp"));
        container_plan_free(p);
        free(o.read_only_tmpfs);
        o.read_only_tmpfs = strdup("maybe");
        ASSERT_ERR(&o, &i, -EINVAL, "--read-only-tmpfs maybe: expected true or false");
        free(o.read_only_tmpfs);
        o.read_only_tmpfs = NULL;
        o.read_only = false;

        /* --privileged: no masks, /sys writable, all capabilities, no seccomp */
        o.privileged = true;
        p = build_ok(&o, &i);
        assert_null(p->masked_paths);
        assert_null(p->readonly_paths);
        assert_false(mount_get(p, "/sys")->flags & MS_RDONLY);
        assert_int_equal(p->seccomp.kind, SECCOMP_KIND_UNCONFINED);
        assert_true(p->caps.bounding & CAP_MASK(21)); /* CAP_SYS_ADMIN */
        container_plan_free(p);
        o.privileged = false;

        /* default: the 11 capabilities, default seccomp, no no_new_privs (podman's default) */
        p = build_ok(&o, &i);
        assert_int_equal(p->caps.bounding, caps_default_mask());
        assert_int_equal(p->caps.effective, caps_default_mask());
        assert_int_equal(p->seccomp.kind, SECCOMP_KIND_DEFAULT);
        assert_false(p->no_new_privs);
        container_plan_free(p);

        /* --security-opt */
        o.security_opts = STRV("no-new-privileges", "unmask=/proc/kcore:/proc/sys", "mask=/opt/secret",
                               "label=disable");
        p = build_ok(&o, &i);
        assert_true(p->no_new_privs);
        assert_false(strv_contains(p->masked_paths, "/proc/kcore"));
        assert_true(strv_contains(p->masked_paths, "/proc/keys"));
        assert_true(strv_contains(p->masked_paths, "/opt/secret"));
        assert_false(strv_contains(p->readonly_paths, "/proc/sys"));
        container_plan_free(p);
        strv_free(o.security_opts);
        o.security_opts = STRV("unmask=ALL");
        p = build_ok(&o, &i);
        assert_null(p->masked_paths);
        assert_null(p->readonly_paths);
        container_plan_free(p);
        strv_free(o.security_opts);
        o.security_opts = STRV("bogus=1");
        ASSERT_ERR(&o, &i, -EINVAL, "--security-opt bogus=1: unknown option");
        strv_free(o.security_opts);
        o.security_opts = NULL;

        /* capabilities through rtsec's parser */
        o.cap_drop = STRV("all");
        o.cap_add = STRV("net_admin");
        p = build_ok(&o, &i);
        assert_int_equal(p->caps.bounding, CAP_MASK(12));
        container_plan_free(p);
        run_options_done(&o);
        image_info_done(&i);
}

static void test_namespaces_and_hostname(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;

        opts_init(&o);
        image_init(&i);
        p = build_ok(&o, &i);
        for (NsKind k = NS_MNT; k <= NS_NET; k++)
                assert_int_equal(p->ns[k].mode, NS_MODE_NEW);
        if (geteuid() == 0)
                assert_int_equal(p->ns[NS_USER].mode, NS_MODE_HOST);
        assert_string_equal(p->hostname, "0123456789ab");
        assert_string_equal(p->etc_hostname, "0123456789ab\n");
        assert_int_equal(p->sysctls.n, 1); /* podman's default_sysctls with a private network */
        assert_string_equal(p->sysctls.items[0].key, "net.ipv4.ping_group_range");
        assert_non_null(strstr(p->etc_hosts, "127.0.0.1\tlocalhost"));
        assert_non_null(strstr(p->etc_hosts, "127.0.1.1\t0123456789ab\n"));
        container_plan_free(p);

        o.network = strdup("none");
        o.pid = strdup("host");
        o.ipc = strdup("ns:/proc/1/ns/ipc");
        o.hostname = strdup("web");
        o.name = strdup("app1");
        o.add_hosts = STRV("db:10.0.0.2");
        o.dns = STRV("10.0.0.53");
        o.dns_search = STRV("example.org");
        p = build_ok(&o, &i);
        assert_int_equal(p->ns[NS_NET].mode, NS_MODE_NEW);
        assert_int_equal(p->ns[NS_PID].mode, NS_MODE_HOST);
        assert_int_equal(p->sysctls.n, 1); /* --network none is private too */
        assert_int_equal(p->ns[NS_IPC].mode, NS_MODE_JOIN);
        assert_string_equal(p->ns[NS_IPC].path, "/proc/1/ns/ipc");
        assert_string_equal(p->hostname, "web");
        assert_non_null(strstr(p->etc_hosts, "10.0.0.2\tdb\n"));
        assert_non_null(strstr(p->etc_hosts, "127.0.1.1\tweb app1\n"));
        assert_string_equal(p->etc_resolv_conf, "search example.org\nnameserver 10.0.0.53\n");
        container_plan_free(p);

        free(o.network);
        o.network = strdup("bogus");
        ASSERT_ERR(&o, &i, -EINVAL, "--network bogus: unknown mode (host, private, none, ns:PATH)");
        free(o.network);
        o.network = strdup("ns:relative");
        ASSERT_ERR(&o, &i, -EINVAL, "--network ns:relative: the namespace path must be absolute");
        free(o.network);
        o.network = NULL;
        free(o.hostname);
        o.hostname = strdup("bad host");
        ASSERT_ERR(&o, &i, -EINVAL, "--hostname bad host: not a valid host name");
        free(o.hostname);
        o.hostname = NULL;
        strv_free(o.add_hosts);
        o.add_hosts = STRV("nocolon");
        ASSERT_ERR(&o, &i, -EINVAL, "--add-host nocolon: expected HOST:IP");
        o.add_hosts = strv_free(o.add_hosts);

        /* id maps */
        o.uidmap = STRV("0:100000:1000", "1000:1000:1");
        p = build_ok(&o, &i);
        assert_int_equal(p->ns[NS_USER].mode, NS_MODE_NEW);
        assert_int_equal(p->n_uid_map, 2);
        assert_int_equal(p->n_gid_map, 2); /* the uid map is used for gids too */
        assert_int_equal(p->uid_map[0].host_id, 100000);
        container_plan_free(p);
        strv_free(o.uidmap);
        o.uidmap = STRV("0:100000:1000", "500:1:10");
        ASSERT_ERR(&o, &i, -EINVAL, "--uidmap 500:1:10: overlaps another mapping");
        strv_free(o.uidmap);
        o.uidmap = STRV("0:1");
        ASSERT_ERR(&o, &i, -EINVAL, "--uidmap 0:1: expected CONTAINER_ID:HOST_ID:SIZE");
        o.uidmap = strv_free(o.uidmap);
        o.userns = strdup("auto");
        ASSERT_ERR(&o, &i, -EOPNOTSUPP, "--userns auto: not supported (host, private, keep-id, ns:PATH)");
        run_options_done(&o);
        image_info_done(&i);
}

static void test_workdir_lifecycle_resources(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;

        opts_init(&o);
        image_init(&i);
        i.workdir = strdup("/srv");
        i.stop_signal = strdup("SIGQUIT");
        i.labels = STRV("a=image", "b=image");
        p = build_ok(&o, &i);
        assert_string_equal(p->cwd, "/srv");
        assert_int_equal(p->stop_signal, SIGQUIT);
        assert_int_equal(p->stop_timeout, 10);
        assert_int_equal(p->restart, PLAN_RESTART_NO);
        assert_int_equal(p->log_driver, PLAN_LOG_K8S_FILE);
        assert_int_equal(p->limits.pids_limit, 2048);
        /* nofile clamped to what the caller may set */
        struct rlimit rl;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
        bool found = false;
        for (size_t k = 0; k < p->rlimits.n; k++)
                if (p->rlimits.items[k].resource == RLIMIT_NOFILE) {
                        found = true;
                        assert_true(p->rlimits.items[k].hard <= rl.rlim_max || rl.rlim_max == RLIM_INFINITY
                                    || geteuid() == 0);
                }
        assert_true(found);
        container_plan_free(p);

        o.workdir = strdup("/w");
        o.stop_signal = strdup("9");
        o.stop_timeout = strdup("3");
        o.restart = strdup("on-failure:5");
        o.log_driver = strdup("journald");
        o.labels = STRV("b=flag", "c");
        o.annotations = STRV("k=v");
        p = build_ok(&o, &i);
        assert_string_equal(p->cwd, "/w");
        assert_int_equal(p->stop_signal, SIGKILL);
        assert_int_equal(p->stop_timeout, 3);
        assert_int_equal(p->restart, PLAN_RESTART_ON_FAILURE);
        assert_int_equal(p->restart_max_retries, 5);
        assert_int_equal(p->log_driver, PLAN_LOG_JOURNALD);
        char *labels = strv_join(p->labels, ";");
        assert_string_equal(labels, "a=image;b=flag;c=");
        free(labels);
        container_plan_free(p);

        struct {
                char **field;
                const char *value;
                int r;
                const char *msg;
        } bad[] = {
                {&o.workdir, "rel", -EINVAL, "--workdir rel: not an absolute path"},
                {&o.stop_signal, "SIGNOPE", -EINVAL, "--stop-signal SIGNOPE: unknown signal"},
                {&o.stop_timeout, "-1", -EINVAL, "--stop-timeout -1: not a number of seconds"},
                {&o.restart, "sometimes", -EINVAL,
                 "--restart sometimes: expected no, on-failure[:N], always or unless-stopped"},
                {&o.restart, "always:3", -EINVAL,
                 "--restart always:3: expected no, on-failure[:N], always or unless-stopped"},
                {&o.log_driver, "syslog", -EINVAL,
                 "--log-driver syslog: expected k8s-file, journald or none"},
                {&o.sdnotify, "sometimes", -EINVAL,
                 "--sdnotify sometimes: expected container, conmon, healthy or ignore"},
                {&o.cgroups, "maybe", -EINVAL,
                 "--cgroups maybe: expected enabled, disabled, no-conmon or split"},
        };
        FOREACH_ARRAY(b, bad, ELEMENTSOF(bad)) {
                char *saved = *b->field;
                *b->field = strdup(b->value);
                ASSERT_ERR(&o, &i, b->r, b->msg);
                free(*b->field);
                *b->field = saved;
        }
        /* --rm conflicts with a restart policy */
        o.rm = true;
        ASSERT_ERR(&o, &i, -EINVAL, "--restart on-failure:5: conflicts with --rm");
        o.rm = false;
        /* RTMIN+n */
        free(o.stop_signal);
        o.stop_signal = strdup("RTMIN+2");
        p = build_ok(&o, &i);
        assert_int_equal(p->stop_signal, SIGRTMIN + 2);
        container_plan_free(p);
        /* a bad id */
        free(o.id);
        o.id = strdup("ABC");
        ASSERT_ERR(&o, &i, -EINVAL, "container id \"ABC\": not 64 lowercase hex digits");
        run_options_done(&o);
        image_info_done(&i);
}

static void test_json_round_trip(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p, *q = NULL;
        char *s1, *s2, *err = NULL;
        char *v1;

        opts_init(&o);
        image_init(&i);
        assert_true(asprintf(&v1, "%s/vol:/data:ro,rslave", tmpdir) > 0);
        o.volumes = STRV(v1);
        free(v1);
        o.tmpfs = STRV("/scratch:size=1m");
        o.user = strdup("app");
        o.group_add = STRV("video");
        o.uidmap = STRV("0:100000:65536");
        o.security_opts = STRV("no-new-privileges");
        o.labels = STRV("x=y");
        o.network = strdup("ns:/run/netns/x");
        o.tty = true;
        o.restart = strdup("always");
        p = build_ok(&o, &i);
        assert_int_equal(container_plan_to_string(p, &s1), 0);
        if (container_plan_from_string(s1, &q, &err) < 0)
                fail_msg("from_string: %s", err);
        assert_int_equal(container_plan_to_string(q, &s2), 0);
        assert_string_equal(s1, s2);
        assert_int_equal(q->n_groups, p->n_groups);
        assert_int_equal(q->uid, 1000);
        assert_int_equal(q->ns[NS_NET].mode, NS_MODE_JOIN);
        assert_string_equal(q->ns[NS_NET].path, "/run/netns/x");
        assert_int_equal(q->n_mounts, p->n_mounts);
        assert_int_equal(q->rlimits.n, p->rlimits.n);
        assert_int_equal(q->caps.bounding, p->caps.bounding);
        free(s2);
        container_plan_free(q);
        q = NULL;

        /* hand-edited records: one line naming the key */
        struct {
                const char *from, *to, *msg;
        } edits[] = {
                {"\"uid\":1000", "\"uid\":\"1000\"", "container plan: \"uid\": expected int"},
                {"\"restart\":\"always\"", "\"restart\":\"sometimes\"",
                 "container plan: \"restart\": unknown value \"sometimes\""},
                {"\"argv\":[", "\"argv\":[1,", "container plan: \"argv\"[0]: expected a string"},
                {"\"version\":1", "\"version\":7", "container plan: unsupported version"},
                {"\"cwd\":\"/\"", "\"cwdx\":\"/\"", "container plan: \"cwd\": missing"},
        };
        FOREACH_ARRAY(e, edits, ELEMENTSOF(edits)) {
                char *at = strstr(s1, e->from), *edited;
                assert_non_null(at);
                assert_true(asprintf(&edited, "%.*s%s%s", (int) (at - s1), s1, e->to, at + strlen(e->from))
                            > 0);
                assert_int_equal(container_plan_from_string(edited, &q, &err), -EBADMSG);
                assert_null(q);
                assert_string_equal(err, e->msg);
                free(err);
                err = NULL;
                free(edited);
        }
        assert_int_equal(container_plan_from_string("{", &q, &err), -EBADMSG);
        free(err);
        err = NULL;
        assert_int_equal(container_plan_from_string("[]", &q, &err), -EBADMSG);
        free(err);
        free(s1);
        container_plan_free(p);
        run_options_done(&o);
        image_info_done(&i);
}

static void test_init(void **state) {
        RunOptions o;
        ImageInfo i;
        ContainerPlan *p;

        opts_init(&o);
        image_init(&i);
        o.init = true;
        o.init_path = strdup("/bin/sh"); /* any executable: the plan only checks it can be run */
        p = build_ok(&o, &i);
        assert_argv(p->argv, STRV("/run/skiff-init", "--", "/bin/ep", "arg1", "arg2"));
        assert_string_equal(mount_get(p, "/run/skiff-init")->source, "/bin/sh");
        assert_true(mount_get(p, "/run/skiff-init")->flags & MS_RDONLY);
        container_plan_free(p);
        free(o.init_path);
        o.init_path = NULL;
        setenv("SKIFF_PAUSE_PATH", "/nonexistent/skiff-pause", 1);
        ASSERT_ERR(&o, &i, -ENOENT, "--init: /nonexistent/skiff-pause: not an executable (see --init-path)");
        unsetenv("SKIFF_PAUSE_PATH");
        run_options_done(&o);
        image_info_done(&i);
}

static void test_no_image(void **state) {
        RunOptions o;
        ImageInfo i = {.name = strdup("x")};

        opts_init(&o);
        ASSERT_ERR(&o, &i, -EINVAL, "image x: no layers and no root directory");
        run_options_done(&o);
        image_info_done(&i);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_argv_rules),
                cmocka_unit_test(test_env_order_and_precedence),
                cmocka_unit_test(test_image_files_through_layers),
                cmocka_unit_test(test_user_resolution),
                cmocka_unit_test(test_user_in_plan),
                cmocka_unit_test(test_parse_volume),
                cmocka_unit_test(test_parse_mount_and_tmpfs),
                cmocka_unit_test(test_mounts_in_plan),
                cmocka_unit_test(test_read_only_and_privileged),
                cmocka_unit_test(test_namespaces_and_hostname),
                cmocka_unit_test(test_workdir_lifecycle_resources),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_init),
                cmocka_unit_test(test_no_image),
        };
        int r;

        setup_image(NULL);
        r = unit_run_tests("container-plan", tests, ELEMENTSOF(tests));
        teardown_image(NULL);
        return r;
}
