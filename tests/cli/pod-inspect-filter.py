#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Reads `skiff pod inspect` JSON on stdin and prints what makes a pod the same pod, with everything
that differs between two plays of it taken out: ids (pod, infra, containers, the infra's name, the
io.skiff.pod-id label), times, the files it was played from (plan "source", "sources", and the
recorded "createCommand", which names them), and of the
volatile state everything but the pod's status and each container's name, state and exit code
(pids, cgroups, restart counts and readiness depend on timing). Keys are sorted, so two outputs
compare with diff. Used by tests/cli/kube-generate.bats (kube play -> kube generate -> kube play)."""

import json
import sys

DROP = {"id", "created", "sources", "infraId", "infraName", "source", "createCommand"}


def scrub(o):
    if isinstance(o, dict):
        return {k: scrub(v) for k, v in o.items() if k not in DROP}
    if isinstance(o, list):
        return [scrub(v) for v in o]
    return o


def main():
    out = []
    for pod in json.load(sys.stdin):
        state = pod.pop("state", {}) or {}
        pod = scrub(pod)
        pod["labels"] = [l for l in pod.get("labels", []) if not l.startswith("io.skiff.pod-id=")]
        ctrs = []
        for c in state.get("containers", []):
            s = {"name": c.get("name"), "state": c.get("state")}
            if c.get("state") == "terminated":
                s["exitCode"] = c.get("exitCode")
            ctrs.append(s)
        pod["state"] = {"status": state.get("status"), "containers": ctrs}
        out.append(pod)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
