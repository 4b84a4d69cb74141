import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { DENO } from './deno-process.ts';

// tsc does not see functions/deno (it uses Deno's globals); Deno's own type checker does, over
// the entry and every core file it imports.
it('functions/deno type-checks under Deno', () => {
  const result = spawnSync(DENO, ['check', 'functions/deno/main.ts', 'functions/deno/backend.ts', 'functions/deno/s3.ts'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(result.status, result.stderr + result.stdout).toBe(0);
}, 60_000);
