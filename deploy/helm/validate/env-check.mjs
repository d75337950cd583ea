// Every PAYNOTIFY_* variable the chart sets must be one the binary in that container accepts,
// so the chart and the code cannot drift apart. The accepted names come from each binary's
// --help; PAYNOTIFY_KAFKA_PROP_* pass librdkafka properties through and are always accepted.
// Usage: node env-check.mjs RENDERED.yaml INGEST_HELP.txt WORKER_HELP.txt CLI_TOPICS_HELP.txt
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const [rendered, ingestHelp, workerHelp, topicsHelp] = process.argv.slice(2);
const accepted = {
  "paynotify-ingest": readFileSync(ingestHelp, "utf8"),
  "paynotify-worker": readFileSync(workerHelp, "utf8"),
  paynotify: readFileSync(topicsHelp, "utf8"),
};
const acceptedNames = (help) => new Set(help.match(/PAYNOTIFY_[A-Z0-9_]+/g) ?? []);
let checked = 0;
let unknown = 0;
for (const doc of yaml.loadAll(readFileSync(rendered, "utf8"))) {
  const pod = doc?.spec?.template?.spec;
  if (!pod) continue;
  for (const c of pod.containers ?? []) {
    const program = (c.command?.[0] ?? "").split("/").pop();
    const names = acceptedNames(accepted[program] ?? "");
    if (!accepted[program]) {
      console.log(`${doc.kind}/${doc.metadata.name}: container ${c.name} runs unknown program '${program}'`);
      unknown++;
      continue;
    }
    for (const env of c.env ?? []) {
      if (!env.name.startsWith("PAYNOTIFY_")) continue;
      checked++;
      if (env.name.startsWith("PAYNOTIFY_KAFKA_PROP_")) continue;
      if (!names.has(env.name)) {
        console.log(`${doc.kind}/${doc.metadata.name}: ${program} does not accept ${env.name}`);
        unknown++;
      }
    }
  }
}
console.log(`${checked} PAYNOTIFY_* variables checked, ${unknown} not accepted`);
process.exit(unknown === 0 && checked > 0 ? 0 : 1);
