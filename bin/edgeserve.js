#!/usr/bin/env node
// The `edgeserve` command: the CLI as built JavaScript (dist/node/cli.mjs), rebuilt first when a
// source changed since the last build (functions/node/build.mjs).
import { ensureBuilt } from '../functions/node/build.mjs';

await ensureBuilt();
const { main } = await import('../dist/node/cli.mjs');
const code = await main(process.argv.slice(2), process.env);
// Exit only on failure: `serve` keeps the process alive until a signal.
if (code !== 0) process.exit(code);
