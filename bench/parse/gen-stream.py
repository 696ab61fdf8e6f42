#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/parse/gen-stream.py [--seed N] [--pods N] [-o FILE]
#
# Writes a multi-document Kubernetes YAML stream for bench/parse: N workloads (Pods and Deployments,
# one pod each; 1000 by default) plus the ConfigMaps, Secrets and PersistentVolumeClaims they refer to,
# about 5 MB in all. Every object is valid, so `skiff kube play` validates all of it (references
# resolved, every check run) and reports no error and no warning.
#
# The shape follows what real manifests hold: several containers with env (plain values, $(VAR)
# references, configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef), envFrom, named ports,
# probes, lifecycle hooks, resources, securityContext, volumes of every kind skiff runs, labels and
# annotations, a mix of plain, quoted, flow and literal-block scalars. Standard library only, and
# deterministic: the same seed gives the same bytes.
#
# Prints the path, the number of documents and the size in bytes.

import argparse
import base64
import json
import random
import re
import sys

# ---- a small YAML emitter --------------------------------------------------------------------------


class Flow(list):
    """A list of scalars written in flow style: ["sh", "-c", "..."]."""


class Literal(str):
    """A multi-line string written as a literal block (|)."""


class Quoted(str):
    """A string always written double-quoted."""


_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@+-]*(?::[A-Za-z0-9_./@+-]+)*$")
# Quantities and durations people write unquoted (100m, 64Mi, 30s): strings, not numbers, in YAML 1.1.
_QUANTITY = re.compile(r"^[0-9]+(?:m|Ki|Mi|Gi|Ti|k|M|G|s)$")
# YAML 1.1 words that a plain scalar would turn into a bool or a null (go-yaml v2 reads them so).
_SPECIAL = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False",
    "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
}


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Quoted):
        return json.dumps(str(v))
    if isinstance(v, str):
        if (_PLAIN.match(v) and v not in _SPECIAL) or _QUANTITY.match(v):
            return v
        return json.dumps(v)
    raise TypeError(type(v))


def emit(out, v, indent):
    """Writes the value of a mapping entry or sequence item whose key/dash is already out."""
    pad = " " * indent
    if isinstance(v, dict):
        out.append("\n")
        for k, x in v.items():
            out.append(f"{pad}{scalar(k)}:")
            emit(out, x, indent + 2)
    elif isinstance(v, Flow):
        out.append(" [" + ", ".join(scalar(x) for x in v) + "]\n")
    elif isinstance(v, list):
        out.append("\n")
        for x in v:
            if isinstance(x, dict):
                first = True
                for k, y in x.items():
                    out.append(f"{pad}- {scalar(k)}:" if first else f"{pad}  {scalar(k)}:")
                    emit(out, y, indent + 4)
                    first = False
            else:
                out.append(f"{pad}-")
                emit(out, x, indent + 2)
    elif isinstance(v, Literal):
        out.append(" |\n")
        for line in v.rstrip("\n").split("\n"):
            out.append(f"{pad}{line}\n" if line else "\n")
    else:
        out.append(" " + scalar(v) + "\n")


def document(obj):
    out = []
    for k, v in obj.items():
        out.append(f"{k}:")
        emit(out, v, 2)
    return "".join(out)


# ---- the objects -------------------------------------------------------------------------------------

TEAMS = ["payments", "search", "checkout", "identity", "catalog", "billing", "ads", "media", "notify", "risk"]
ROLES = ["api", "worker", "web", "cron", "gateway", "indexer", "cache", "consumer"]
IMAGES = ["nginx", "redis", "postgres", "python", "node", "golang", "envoy", "fluent-bit", "otel-collector",
          "busybox", "alpine", "haproxy"]
LOG_LEVELS = ["debug", "info", "warn", "error"]


class Gen:
    def __init__(self, seed, n_pods):
        self.r = random.Random(seed)
        self.n_pods = n_pods
        self.next_host_port = 20000
        self.apps = []  # (app name, team, configmap, its keys, secret, its keys, pvc or None)

    def word(self, n=8):
        return "".join(self.r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))

    def sentence(self, words):
        return " ".join(self.word(self.r.randint(3, 9)) for _ in range(words))

    def b64(self, n):
        return base64.b64encode(self.r.randbytes(n)).decode()

    def image(self, team):
        name = self.r.choice(IMAGES)
        if self.r.random() < 0.2:
            return f"registry.example.com/{team}/{name}@sha256:{self.r.randbytes(32).hex()}"
        return f"registry.example.com/{team}/{name}:{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 99)}"

    # -- ConfigMaps, Secrets, PVCs: one set per app, shared by the app's workloads --

    def config_map(self, app, team):
        keys = {}
        keys["LOG_LEVEL"] = self.r.choice(LOG_LEVELS)
        keys["LOG_FORMAT"] = "json"
        keys["REGION"] = self.r.choice(["eu-west-1", "us-east-2", "ap-south-1"])
        keys["FEATURE_FLAGS"] = ",".join(self.word(6) for _ in range(5))
        keys["MAX_CONNECTIONS"] = Quoted(str(self.r.randint(10, 1000)))
        keys["CACHE_TTL"] = Quoted(f"{self.r.randint(1, 600)}s")
        keys["UPSTREAM_URL"] = f"http://{self.word(6)}.{team}.svc.cluster.local:8080/v1"
        for i in range(self.r.randint(3, 8)):
            keys[f"SETTING_{self.word(5).upper()}_{i}"] = self.word(self.r.randint(4, 20))
        conf = [f"# {app} configuration", "[server]", f"listen = 0.0.0.0:{self.r.randint(1024, 9999)}",
                f"workers = {self.r.randint(1, 16)}", f"timeout = {self.r.randint(1, 60)}s", "", "[upstreams]"]
        for _ in range(self.r.randint(4, 10)):
            conf.append(f"{self.word(6)} = http://{self.word(8)}.{team}.svc:{self.r.randint(1024, 9999)}")
        conf += ["", "[logging]", f"level = {keys['LOG_LEVEL']}", "format = json"]
        keys["app.conf"] = Literal("\n".join(conf) + "\n")
        keys["logging.yaml"] = Literal(
            "version: 1\nhandlers:\n  console:\n    class: logging.StreamHandler\n    level: INFO\n"
            f"root:\n  level: {keys['LOG_LEVEL'].upper()}\n  handlers: [console]\n")
        obj = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{app}-config", "namespace": team,
                         "labels": {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": team}},
            "data": keys,
        }
        return obj, [k for k in keys]

    def secret(self, app, team):
        data = {
            "DB_PASSWORD": self.b64(self.r.randint(12, 32)),
            "DB_USER": base64.b64encode(f"{app}-svc".encode()).decode(),
            "API_KEY": self.b64(32),
            "SESSION_SECRET": self.b64(48),
            "tls.crt": self.b64(self.r.randint(400, 700)),
            "tls.key": self.b64(self.r.randint(200, 300)),
        }
        string_data = {"SMTP_PASSWORD": self.word(16), "WEBHOOK_TOKEN": f"tok-{self.word(24)}"}
        obj = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"{app}-secret", "namespace": team,
                         "labels": {"app.kubernetes.io/name": app}},
            "type": "kubernetes.io/tls",
            "data": data,
            "stringData": string_data,
        }
        return obj, list(data) + list(string_data)

    def pvc(self, app, team):
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": f"{app}-data", "namespace": team},
            "spec": {
                "accessModes": Flow(["ReadWriteOnce"]),
                "storageClassName": "local-path",
                "resources": {"requests": {"storage": f"{self.r.choice([1, 2, 5, 10, 20])}Gi"}},
            },
        }

    # -- workloads --

    def labels(self, app, team, role, i):
        return {
            "app": app,
            "app.kubernetes.io/instance": f"{app}-{role}-{i}",
            "app.kubernetes.io/component": role,
            "app.kubernetes.io/part-of": team,
            "app.kubernetes.io/version": f"{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 99)}",
            "tier": self.r.choice(["frontend", "backend", "data"]),
        }

    def annotations(self, app):
        return {
            "prometheus.io/scrape": Quoted("true"),
            "prometheus.io/port": Quoted(str(self.r.randint(9000, 9999))),
            "prometheus.io/path": "/metrics",
            "example.com/owner": f"{self.word(6)}@example.com",
            "example.com/description": self.sentence(self.r.randint(4, 10)),
        }

    def container(self, idx, app_info, main, mem_mi, cache):
        app, team, cm, cm_keys, sec, sec_keys, pvc = app_info
        r = self.r
        name = "main" if main else f"sidecar-{idx}"
        ports = []
        port_names = []
        for p in range(r.randint(1, 3) if main else r.randint(0, 1)):
            pname = ["http", "metrics", "grpc"][p] if main else f"side{idx}"
            port = {"name": pname, "containerPort": 8080 + p + idx * 10}
            if r.random() < 0.3:
                port["protocol"] = "TCP"
            if main and p == 0 and r.random() < 0.1:
                port["hostPort"] = self.next_host_port  # one host, one port: never reused
                self.next_host_port += 1
            ports.append(port)
            port_names.append(pname)

        env = []
        for _ in range(r.randint(1, 3) if main else r.randint(0, 1)):
            env.append({"name": f"APP_{self.word(6).upper()}", "value": self.r.choice(
                [self.word(r.randint(4, 16)), Quoted(str(r.randint(0, 100000))), Quoted(r.choice(["true", "false"])),
                 f"https://{self.word(6)}.example.com/{self.word(5)}", self.sentence(r.randint(2, 6))])})
        for k in r.sample(cm_keys[:7], r.randint(1, 2) if main else 1):
            env.append({"name": f"CFG_{k.upper().replace('.', '_')}",
                        "valueFrom": {"configMapKeyRef": {"name": cm, "key": k}}})
        for k in r.sample(sec_keys[:4], 1 if main else 0):
            env.append({"name": k.upper().replace(".", "_"),
                        "valueFrom": {"secretKeyRef": {"name": sec, "key": k}}})
        env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
        if main:
            env.append(r.choice([
                {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "POD_TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['tier']"}}}]))
            if r.random() < 0.5:
                env.append({"name": "MEMORY_LIMIT_MI", "valueFrom": {
                    "resourceFieldRef": {"containerName": name, "resource": "limits.memory", "divisor": "1Mi"}}})
            else:
                env.append({"name": "GREETING", "value": "hello from $(POD_NAME) in $(POD_NAMESPACE)"})
        if main and r.random() < 0.3:
            env.append({"name": "OPTIONAL_SETTING",
                        "valueFrom": {"configMapKeyRef": {"name": f"{app}-optional", "key": "x", "optional": True}}})

        env_from = [{"configMapRef": {"name": cm}, "prefix": "CM_"}]
        if main:
            env_from.append({"secretRef": {"name": sec}})

        mounts = [
            {"name": "config", "mountPath": f"/etc/{app}", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ]
        if main:
            mounts.insert(1, {"name": "secrets", "mountPath": f"/run/secrets/{app}", "readOnly": True})
        if main and pvc:
            mounts.append({"name": "data", "mountPath": "/var/lib/data", "subPath": f"{name}/data"})
        if main and cache:
            mounts.append({"name": "cache", "mountPath": "/var/cache/app", "mountPropagation": "HostToContainer"})

        cpu_req = r.choice([50, 100, 250, 500])
        c = {
            "name": name,
            "image": self.image(team),
            "imagePullPolicy": r.choice(["IfNotPresent", "Always", "Never"]),
            "command": Flow(["/usr/local/bin/" + self.word(6)]),
            "args": Flow(["--config", f"/etc/{app}/app.conf", "--log-level", "$(CFG_LOG_LEVEL)",
                          f"--listen=:{8080 + idx * 10}"]),
        }
        if r.random() < 0.5:
            c["workingDir"] = f"/srv/{app}"
        if ports:
            c["ports"] = ports
        c["envFrom"] = env_from
        c["env"] = env
        c["resources"] = {
            "requests": {"cpu": f"{cpu_req}m", "memory": f"{mem_mi // 2}Mi"},
            "limits": {"cpu": f"{cpu_req * 4}m", "memory": f"{mem_mi}Mi"},
        }
        c["volumeMounts"] = mounts
        if "http" in port_names:
            c["livenessProbe"] = {
                "httpGet": {"path": "/healthz", "port": "http"},
                "initialDelaySeconds": r.randint(0, 30), "periodSeconds": 10, "timeoutSeconds": 2,
                "failureThreshold": 3,
            }
            c["readinessProbe"] = {
                "httpGet": {"path": "/ready", "port": 8080},
                "periodSeconds": 5, "successThreshold": r.randint(1, 3), "failureThreshold": 3,
            }
            if r.random() < 0.3:
                c["livenessProbe"]["httpGet"]["scheme"] = "HTTP"
                c["livenessProbe"]["httpGet"]["httpHeaders"] = [{"name": "X-Probe", "value": "liveness"}]
            if r.random() < 0.5:
                c["startupProbe"] = {"tcpSocket": {"port": "http"}, "periodSeconds": 2, "failureThreshold": 30}
        else:
            c["livenessProbe"] = {"exec": {"command": Flow(["sh", "-c", f"test -f /tmp/{name}.alive"])},
                                  "periodSeconds": 15}
        if main:
            c["lifecycle"] = {"preStop": r.choice([
                {"exec": {"command": Flow(["sh", "-c", "sleep 5; kill -TERM 1"])}},
                {"sleep": {"seconds": r.randint(1, 10)}},
            ])}
        c["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10000 + r.randint(0, 999),
            "capabilities": {"drop": Flow(["ALL"]), "add": Flow(r.sample(["NET_BIND_SERVICE", "CHOWN", "SETUID", "SETGID"], 2))},
        }
        if r.random() < 0.3:
            c["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
        return c

    def pod_spec(self, app_info, deployment):
        app, team, cm, cm_keys, sec, sec_keys, pvc = app_info
        r = self.r
        n = r.choice([1, 1, 1, 2])
        cache = r.random() < 0.3
        containers = [self.container(i, app_info, i == 0, r.choice([128, 256, 512, 1024]), cache) for i in range(n)]
        spec = {
            "restartPolicy": "Always" if deployment else r.choice(["Always", "OnFailure", "Never"]),
            "terminationGracePeriodSeconds": r.choice([10, 30, 60]),
            "securityContext": {
                "runAsUser": 10000, "runAsGroup": 10000, "fsGroup": 10000, "runAsNonRoot": True,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "serviceAccountName": f"{app}-sa",
        }
        if r.random() < 0.3:
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": team, "effect": "NoSchedule"}]
        if r.random() < 0.3:
            spec["securityContext"]["supplementalGroups"] = Flow([r.randint(1000, 2000) for _ in range(r.randint(1, 3))])
        if r.random() < 0.3:
            spec["securityContext"]["sysctls"] = [{"name": "net.ipv4.tcp_keepalive_time", "value": Quoted("600")}]
        if r.random() < 0.3:
            spec["initContainers"] = [{
                "name": "init-perms",
                "image": f"registry.example.com/{team}/busybox:1.36",
                "command": Flow(["sh", "-c", f"mkdir -p /tmp/{app} && chmod 0700 /tmp/{app}"]),
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                "securityContext": {"runAsUser": 10000, "allowPrivilegeEscalation": False},
            }]
        spec["containers"] = containers
        if r.random() < 0.2:
            spec["hostAliases"] = [{"ip": f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                                    "hostnames": Flow([f"{self.word(6)}.internal", f"{self.word(5)}.internal"])}]
        if r.random() < 0.2:
            spec["dnsConfig"] = {"nameservers": Flow(["10.96.0.10"]),
                                 "searches": Flow([f"{team}.svc.cluster.local", "svc.cluster.local"]),
                                 "options": [{"name": "ndots", "value": Quoted("2")}]}
        items = r.sample(cm_keys, 2)
        volumes = [
            {"name": "config", "configMap": {"name": cm, "defaultMode": 0o444,
                                             "items": [{"key": k, "path": k} for k in items]}},
            {"name": "secrets", "secret": {"secretName": sec, "defaultMode": 0o400}},
            {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        ]
        if cache:
            volumes.append({"name": "cache", "hostPath": {"path": f"/var/cache/skiff-bench/{app}",
                                                          "type": "DirectoryOrCreate"}})
        if pvc:
            volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": pvc}})
        spec["volumes"] = volumes
        return spec

    def workload(self, i):
        app_info = self.apps[i % len(self.apps)]
        app, team = app_info[0], app_info[1]
        role = ROLES[i % len(ROLES)]
        name = f"{app}-{role}-{i:04d}"
        labels = self.labels(app, team, role, i)
        spec = None
        if i % 10 < 3:  # 30% Deployments
            spec = self.pod_spec(app_info, True)
            return {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": team,
                             "labels": {k: labels[k] for k in ("app", "app.kubernetes.io/instance", "app.kubernetes.io/part-of")},
                             "annotations": {"deployment.kubernetes.io/revision": Quoted(str(self.r.randint(1, 40)))}},
                "spec": {
                    "replicas": 1,
                    "revisionHistoryLimit": 5,
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                    "selector": {"matchLabels": {"app": app, "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]}},
                    "template": {"metadata": {"labels": labels, "annotations": self.annotations(app)}, "spec": spec},
                },
            }
        spec = self.pod_spec(app_info, False)
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": team, "labels": labels, "annotations": self.annotations(app)},
            "spec": spec,
        }

    def stream(self):
        docs = []
        n_apps = max(1, self.n_pods // 5)
        for a in range(n_apps):
            team = TEAMS[a % len(TEAMS)]
            app = f"{team}-{self.word(4)}{a}"
            cm, cm_keys = self.config_map(app, team)
            sec, sec_keys = self.secret(app, team)
            docs += [cm, sec]
            pvc = None
            if a % 4 == 0:
                docs.append(self.pvc(app, team))
                pvc = f"{app}-data"
            self.apps.append((app, team, cm["metadata"]["name"], cm_keys, sec["metadata"]["name"], sec_keys, pvc))
        # Workloads after the objects they use, as people write streams; a few ConfigMaps at the end so
        # that references also resolve forwards.
        tail = docs[-6:]
        docs = docs[:-6]
        for i in range(self.n_pods):
            docs.append(self.workload(i))
        docs += tail
        return docs


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20240501)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("-o", "--output", default="bench/out/stream.yaml")
    args = ap.parse_args()

    docs = Gen(args.seed, args.pods).stream()
    text = "# bench/parse stream: generated by bench/parse/gen-stream.py --seed %d --pods %d\n" % (args.seed, args.pods)
    text += "---\n".join(document(d) for d in docs)
    data = text.encode()
    with open(args.output, "wb") as f:
        f.write(data)
    print(f"{args.output}: {len(docs)} documents, {args.pods} pods, {len(data)} bytes")


if __name__ == "__main__":
    sys.exit(main())
