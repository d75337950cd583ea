// How the rendered chart keeps its secrets: every Secret volume mounted 0400 (the kubelet adds
// group read for the pod's fsGroup, so nobody else reads it), and no Secret that is a Helm hook
// outlives the hooks (a hook is not part of the release: `helm uninstall` would leave it).
// Usage: node secret-check.mjs RENDERED.yaml
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

let checked = 0;
let wrong = 0;
const complain = (what) => {
  console.log(what);
  wrong++;
};
for (const doc of yaml.loadAll(readFileSync(process.argv[2], "utf8"))) {
  if (!doc) continue;
  const name = `${doc.kind}/${doc.metadata?.name}`;
  for (const volume of doc.spec?.template?.spec?.volumes ?? []) {
    if (!volume.secret) continue;
    checked++;
    if (volume.secret.defaultMode !== 0o400) {
      complain(`${name}: Secret volume ${volume.name} has mode ${(volume.secret.defaultMode ?? 0o644).toString(8)}, not 400`);
    }
  }
  const annotations = doc.metadata?.annotations ?? {};
  if (doc.kind === "Secret" && annotations["helm.sh/hook"]) {
    checked++;
    const policies = (annotations["helm.sh/hook-delete-policy"] ?? "").split(",");
    if (!policies.includes("hook-succeeded")) complain(`${name}: a hook Secret Helm never deletes`);
  }
}
console.log(`${checked} Secret volumes and hook Secrets checked, ${wrong} wrong`);
process.exit(wrong === 0 && checked > 0 ? 0 : 1);
