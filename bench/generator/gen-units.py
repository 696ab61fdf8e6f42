#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write a directory of quadlet unit files for bench/generator/run.sh.

usage: gen-units.py [--files N] [--seed S] OUTDIR

N unit files (default 1000; Kubernetes YAML for the .kube files and drop-in .conf files are extra and
not counted) that podman 5.4's quadlet translates without a single error, in this mix:

  .container 85 %  varied [Container] keys (environment, ports, volumes, mounts, capabilities, health,
                   limits, labels, PodmanArgs...), [Unit]/[Service]/[Install] sections, references to
                   .volume, .network, .pod and .image units, a few templates with instances
  .volume     4 %  .network 3 %  .pod 3 %  .kube 3 %  .image 2 %
  drop-ins         one NAME.container.d/*.conf for every 10th container, one type-wide container.d/
                   and volume.d/ for all of them

The same seed gives the same bytes every time.
"""

import argparse
import os
import random


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def container(r, i, refs):
    lines = ["[Unit]", f"Description=bench container {i}"]
    if r.random() < 0.2:
        lines.append("After=local-fs.target")
    lines += ["", "[Container]"]
    if refs["image"] and r.random() < 0.1:
        lines.append(f"Image={r.choice(refs['image'])}.image")
    else:
        lines.append(f"Image=registry.example.com/team{i % 17}/app{i % 53}:{1 + i % 9}.{i % 4}")
    if r.random() < 0.5:
        lines.append(f"ContainerName=bench-{i}")
    in_pod = refs["pod"] and r.random() < 0.15
    if in_pod:
        lines.append(f"Pod={r.choice(refs['pod'])}.pod")
    for k in range(r.randint(1, 6)):
        lines.append(f"Environment=VAR_{k}=value-{i}-{k} OTHER_{k}=\"quoted value {k}\"")
    if r.random() < 0.2:
        lines.append(f"EnvironmentFile=/etc/bench/env-{i % 7}")
    if r.random() < 0.1:
        lines.append("EnvironmentHost=false")
    if not in_pod and r.random() < 0.4:
        for k in range(r.randint(1, 3)):
            lines.append(f"PublishPort=127.0.0.1:{10000 + i * 3 + k}:{8000 + k}")
    if not in_pod and refs["network"] and r.random() < 0.3:
        lines.append(f"Network={r.choice(refs['network'])}.network")
    if refs["volume"] and r.random() < 0.4:
        lines.append(f"Volume={r.choice(refs['volume'])}.volume:/data{i % 3}:Z")
    if r.random() < 0.4:
        lines.append(f"Volume=/srv/bench/{i}:/srv:ro")
    if r.random() < 0.15:
        lines.append(f"Mount=type=bind,source=/srv/shared,destination=/shared{i % 5},readonly=true")
    if r.random() < 0.2:
        lines.append("Tmpfs=/run:rw,size=64m")
    if r.random() < 0.3:
        lines.append(f"Exec=/bin/app --instance {i} --listen :8000 --log-level info")
    if r.random() < 0.1:
        lines.append("Entrypoint=/bin/sh")
    if r.random() < 0.3:
        lines.append(f"User={1000 + i % 50}")
        lines.append(f"Group={1000 + i % 50}")
    if r.random() < 0.3:
        lines.append("AddCapability=CAP_NET_BIND_SERVICE CAP_CHOWN")
        lines.append("DropCapability=CAP_SYS_ADMIN")
    if r.random() < 0.3:
        lines.append("NoNewPrivileges=true")
    if r.random() < 0.2:
        lines.append("ReadOnly=true")
        lines.append("ReadOnlyTmpfs=true")
    for k in range(r.randint(0, 4)):
        lines.append(f"Label=com.example.key{k}=value-{i}-{k}")
    if r.random() < 0.2:
        lines.append(f"Annotation=com.example.note=bench-{i}")
    if not in_pod and r.random() < 0.2:
        lines.append(f"HostName=host-{i}")
    if r.random() < 0.2:
        lines.append(f"WorkingDir=/work/{i % 10}")
    if r.random() < 0.1:
        lines.append("Sysctl=net.ipv4.ip_unprivileged_port_start=80")
    if r.random() < 0.2:
        lines.append("Ulimit=nofile=10000:10000")
    if r.random() < 0.2:
        lines.append(f"PidsLimit={100 + i % 900}")
    if r.random() < 0.1:
        lines.append("ShmSize=128m")
    if r.random() < 0.2:  # Memory= came after podman 5.4, the reference: the same through PodmanArgs
        lines.append(f"PodmanArgs=--memory={64 + i % 512}m")
    if r.random() < 0.2:
        lines.append("LogDriver=journald")
    if r.random() < 0.3:
        lines.append(f"AutoUpdate={r.choice(['registry', 'local'])}")
    if r.random() < 0.2:
        lines.append(f"Pull={r.choice(['missing', 'never', 'newer'])}")
    if r.random() < 0.1:
        lines.append("Notify=healthy")
    if r.random() < 0.3:
        lines.append(f"HealthCmd=/bin/check --port 8000 --id {i}")
        lines.append("HealthInterval=30s")
        lines.append("HealthRetries=3")
        lines.append("HealthStartPeriod=10s")
        lines.append("HealthTimeout=5s")
        lines.append("HealthOnFailure=kill")
    if r.random() < 0.1:
        lines.append("RunInit=true")
    if r.random() < 0.2:
        lines.append("StopSignal=SIGINT")
        lines.append(f"StopTimeout={5 + i % 25}")
    if r.random() < 0.1:
        lines.append("Timezone=UTC")
    if r.random() < 0.1:
        lines.append(f"Secret=token-{i % 5},type=env,target=TOKEN")
    if r.random() < 0.1:
        lines.append(f"PodmanArgs=--cpu-shares={512 + i % 512}")
    if r.random() < 0.3:
        lines += ["", "[Service]", "Restart=on-failure", f"TimeoutStartSec={60 + i % 240}"]
    if r.random() < 0.4:
        lines += ["", "[Install]", "WantedBy=default.target"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("outdir")
    a = ap.parse_args()
    r = random.Random(a.seed)
    out = a.outdir
    n = a.files

    counts = {
        "volume": max(1, n * 4 // 100),
        "network": max(1, n * 3 // 100),
        "pod": max(1, n * 3 // 100),
        "kube": max(1, n * 3 // 100),
        "image": max(1, n * 2 // 100),
    }
    counts["container"] = n - sum(counts.values())
    refs = {}

    refs["volume"] = [f"vol{i}" for i in range(counts["volume"])]
    for i, name in enumerate(refs["volume"]):
        text = "[Volume]\n"
        if i % 2:
            text += f"VolumeName=bench-data-{i}\n"
        text += f"Label=app=bench{i % 7}\n"
        if i % 5 == 0:
            text += "Driver=local\nDevice=tmpfs\nType=tmpfs\nOptions=size=64m\n"
        if i % 3 == 0:
            text += "User=1000\nGroup=1000\nCopy=false\n"
        write(f"{out}/{name}.volume", text)

    refs["network"] = [f"net{i}" for i in range(counts["network"])]
    for i, name in enumerate(refs["network"]):
        text = "[Network]\n"
        if i % 2:
            text += f"NetworkName=bench-net-{i}\n"
        text += f"Subnet=10.{100 + i // 250}.{i % 250}.0/24\nGateway=10.{100 + i // 250}.{i % 250}.1\n"
        if i % 3 == 0:
            text += "Internal=true\n"
        if i % 4 == 0:
            text += "DNS=192.0.2.53\n"
        text += f"Label=app=bench{i % 7}\n"
        write(f"{out}/{name}.network", text)

    refs["pod"] = [f"pod{i}" for i in range(counts["pod"])]
    for i, name in enumerate(refs["pod"]):
        text = "[Pod]\n"
        if i % 2:
            text += f"PodName=bench-pod-{i}\n"
        text += f"PublishPort=127.0.0.1:{40000 + i}:80\n"
        if i % 3 == 0:
            text += f"Network={refs['network'][i % len(refs['network'])]}.network\n"
        if i % 4 == 0:
            text += f"Volume={refs['volume'][i % len(refs['volume'])]}.volume:/shared\n"
        text += "AddHost=db.example:192.0.2.10\n"
        write(f"{out}/{name}.pod", text)

    refs["image"] = [f"img{i}" for i in range(counts["image"])]
    for i, name in enumerate(refs["image"]):
        text = f"[Image]\nImage=registry.example.com/base/img{i}:{1 + i % 5}\n"
        if i % 2:
            text += "AllTags=false\nArch=amd64\nOS=linux\n"
        if i % 3 == 0:
            text += "TLSVerify=false\n"
        if i % 4 == 0:
            text += f"ImageTag=localhost/base-img{i}:latest\n"
        write(f"{out}/{name}.image", text)

    for i in range(counts["kube"]):
        yaml = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube{i}\nspec:\n  containers:\n"
                f"  - name: app\n    image: registry.example.com/kube/app{i}:1\n")
        write(f"{out}/kube/kube{i}.yaml", yaml)
        text = f"[Kube]\nYaml=kube/kube{i}.yaml\n"
        if i % 2:
            text += f"PublishPort=127.0.0.1:{45000 + i}:80\n"
        if i % 3 == 0:
            text += f"Network={refs['network'][i % len(refs['network'])]}.network\n"
        if i % 4 == 0:
            text += "KubeDownForce=true\nAutoUpdate=registry\n"
        write(f"{out}/kube{i}.kube", text)

    # Containers: a few templates (each counts once; its instances are symlinks, counted too).
    made = 0
    i = 0
    while made < counts["container"]:
        sub = f"team{i % 10}"  # subdirectories, walked by both generators
        if i % 50 == 25 and counts["container"] - made >= 3:
            write(f"{out}/{sub}/tmpl{i}@.container", container(r, i, refs).replace(
                f"ContainerName=bench-{i}\n", "").replace("Description=bench container", "Description=%i of"))
            for inst in ("a", "b"):
                os.symlink(f"tmpl{i}@.container", f"{out}/{sub}/tmpl{i}@{inst}.container")
            made += 3
        else:
            write(f"{out}/{sub}/ctr{i}.container", container(r, i, refs))
            if i % 10 == 0:
                write(f"{out}/{sub}/ctr{i}.container.d/10-override.conf",
                      f"[Container]\nEnvironment=OVERRIDE={i}\nLabel=override=yes\n\n[Service]\nRestart=always\n")
            made += 1
        i += 1

    # Type-wide drop-ins, for every .container and every .volume.
    write(f"{out}/container.d/50-common.conf", "[Container]\nLabel=managed-by=bench\n")
    write(f"{out}/volume.d/50-common.conf", "[Volume]\nLabel=managed-by=bench\n")


if __name__ == "__main__":
    main()
