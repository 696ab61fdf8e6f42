// SPDX-License-Identifier: Apache-2.0
//
// Validates Kubernetes YAML against the official OpenAPI schemas, offline, with the npm package
// kubernetes-models (its classes validate with ajv validators compiled from the Kubernetes OpenAPI
// spec). Used by tests/cli/kube-generate.bats; the packages come from an npm cache dir the test installs
// (they are never part of skiff).
//
//     K8S_NODE_MODULES=DIR node k8s-validate.mjs FILE...
//
// Every document of every FILE must be an object of a kind listed below and pass its schema. Prints
// one line per problem ("FILE: document N (Kind name): data/spec/containers must be array") and exits
// 1 when there was any, else prints "FILE: N documents valid" per file and exits 0.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.K8S_NODE_MODULES;
if (!dir) {
        console.error("k8s-validate: set K8S_NODE_MODULES to the node_modules holding kubernetes-models and js-yaml");
        process.exit(2);
}
const load = (name) => import(pathToFileURL(join(dir, name)).href);

const yaml = await import(pathToFileURL(join(dir, "js-yaml", "dist", "js-yaml.mjs")).href);
const core = await load("kubernetes-models/v1/index.js");
const apps = await load("kubernetes-models/apps/v1/index.js");

const kinds = {
        "v1/Pod": core.Pod,
        "v1/Service": core.Service,
        "v1/ConfigMap": core.ConfigMap,
        "v1/Secret": core.Secret,
        "v1/PersistentVolumeClaim": core.PersistentVolumeClaim,
        "apps/v1/Deployment": apps.Deployment,
};

let bad = 0;
for (const file of process.argv.slice(2)) {
        const before = bad;
        let docs;
        try {
                docs = yaml.loadAll(readFileSync(file, "utf8"));
        } catch (e) {
                console.log(`${file}: not YAML: ${e.message.split("\n")[0]}`);
                bad++;
                continue;
        }
        docs = docs.filter((d) => d !== null && d !== undefined);
        docs.forEach((d, i) => {
                const what = `${file}: document ${i + 1} (${d?.kind} ${d?.metadata?.name})`;
                const cls = d && typeof d === "object" ? kinds[`${d.apiVersion}/${d.kind}`] : undefined;
                if (!cls) {
                        console.log(`${what}: apiVersion/kind ${d?.apiVersion}/${d?.kind} is not one this check knows`);
                        bad++;
                        return;
                }
                try {
                        new cls(d).validate();
                } catch (e) {
                        console.log(`${what}: ${e.message}`);
                        bad++;
                }
        });
        if (docs.length === 0) {
                console.log(`${file}: no documents`);
                bad++;
        } else if (bad === before)
                console.log(`${file}: ${docs.length} documents valid`);
}
process.exit(bad ? 1 : 0);
