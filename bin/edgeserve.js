#!/usr/bin/env node
// The `edgeserve` command. The CLI is TypeScript run as is, through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2), process.env);
// Exit only on failure: `serve` keeps the process alive until a signal.
if (code !== 0) process.exit(code);
