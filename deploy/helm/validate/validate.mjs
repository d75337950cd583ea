// Validates every object of rendered manifests (YAML on stdin or in files) against the API
// schemas that kubernetes-models and its KEDA / prometheus-operator packages carry. Offline.
// Exit 1 when any object is invalid or of a kind no schema here knows.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "keda.sh") return `@kubernetes-models/keda/${group}/${version}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

const inputs = process.argv.length > 2 ? process.argv.slice(2) : ["/dev/stdin"];
let valid = 0;
let invalid = 0;
for (const file of inputs) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (!doc) continue;
    const name = `${doc.kind}/${doc.metadata?.name} (${doc.apiVersion})`;
    let Model;
    try {
      Model = (await import(modulePath(doc.apiVersion, doc.kind)))[doc.kind];
    } catch {
      console.log(`INVALID ${name}: no schema for this apiVersion and kind`);
      invalid++;
      continue;
    }
    try {
      new Model(doc).validate();
      valid++;
    } catch (e) {
      console.log(`INVALID ${name}: ${e.message}`);
      invalid++;
    }
  }
}
console.log(`${valid} valid, ${invalid} invalid`);
process.exit(invalid === 0 && valid > 0 ? 0 : 1);
