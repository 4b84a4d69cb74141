// One Lambda execution environment, started the way the Node runtime starts one: a fresh process
// imports the bundled handler (the INIT phase), then runs the same event `count` times (INVOKE).
// Prints {"initMs", "invocationsMs": [...], "maxRssBytes"} as one JSON line. The process exits only once the
// disk tier's background writes are done, as an environment that lives on would finish them.
//
//   node bench/lambda-environment.mjs <dist/aws-lambda/handler.js> <event.json> <count>
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [handlerFile, eventFile, count = '1'] = process.argv.slice(2);
const started = performance.now();
const { handler } = await import(pathToFileURL(resolve(handlerFile)).href);
const initMs = performance.now() - started;
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const invocationsMs = [];
for (let i = 0; i < Number(count); i++) {
  const t = performance.now();
  const result = await handler(event, {});
  invocationsMs.push(performance.now() - t);
  if (result.statusCode !== 200) throw new Error(`invocation ${i}: ${result.statusCode} ${result.body}`);
}
console.log(JSON.stringify({ initMs, invocationsMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
