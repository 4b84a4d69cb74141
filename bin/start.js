#!/usr/bin/env node
// `npm start`: the server as built JavaScript (dist/node/start.mjs: the bundled example repository
// unless the flags name models), rebuilt first when a source changed (functions/node/build.mjs).
import { ensureBuilt } from '../functions/node/build.mjs';

await ensureBuilt();
await import('../dist/node/start.mjs');
