// Runs the GraphQL over HTTP audit suite of graphql-http against a running server and prints
// every result. Exits 1 when a MUST audit fails (status "error"), 2 when the audit cannot run.
// SHOULD and MAY audits that fail ("warn", "notice") are printed but do not fail the run: each
// one that remains is listed with its reason in the README ("GraphQL over HTTP audit").
//
//   node scripts/audit/audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <GraphQL endpoint URL>');
  process.exit(2);
}

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  console.error(`audit could not run against ${url}:`, err);
  process.exit(2);
}

const level = (name) => name.split(' ', 1)[0]; // MUST, SHOULD or MAY
const counts = {};
for (const r of results) {
  const key = `${level(r.name)} ${r.status}`;
  counts[key] = (counts[key] ?? 0) + 1;
  const line = `${r.status.padEnd(6)} ${r.id} ${r.name}`;
  if (r.status === 'ok') {
    console.log(line);
  } else {
    console.log(`${line}\n       reason: ${r.reason}`);
  }
}

const summary = Object.entries(counts)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([k, n]) => `${k}: ${n}`)
  .join(', ');
console.log(`\n${results.length} audits against ${url}: ${summary}`);

const mustFailures = results.filter((r) => level(r.name) === 'MUST' && r.status !== 'ok');
if (mustFailures.length > 0) {
  console.error(`FAIL: ${mustFailures.length} MUST audit(s) failed:`);
  for (const r of mustFailures) console.error(`  ${r.id} ${r.name}: ${r.reason}`);
  process.exit(1);
}
console.log('OK: every MUST audit passes.');
