// Runs every audit of the GraphQL-over-HTTP spec's reference suite
// (graphql-http's `auditServer`) against the Marquee at the URL given, and
// prints one line per audit. Exits 1 if any MUST or SHOULD audit fails
// (MAY audits are reported, not required).
//
//   node tests/http-audit/audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
let failed = 0;
let passed = 0;
for (const result of results) {
  const required = !result.name.startsWith('MAY');
  if (result.status === 'ok') {
    passed += 1;
    console.log(`ok      ${result.id} ${result.name}`);
  } else if (required) {
    failed += 1;
    console.log(`FAILED  ${result.id} ${result.name}: ${result.reason}`);
  } else {
    console.log(`(may)   ${result.id} ${result.name}: ${result.reason}`);
  }
}
console.log(`audits: ${passed} ok, ${failed} required failed, ${results.length} in all`);
process.exit(failed > 0 ? 1 : 0);
