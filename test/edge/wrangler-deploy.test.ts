import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A Workers user's habit, in a fresh copy of the repository (the sources wrangler.toml builds,
// node_modules linked): a bare `wrangler deploy` (here --dry-run, which needs no account) builds
// the current code through wrangler.toml's [build] command; after a source changes, the next
// deploy ships the change.
const run = promisify(execFile);
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
const logs: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-deploy-'));
  for (const path of ['core', 'steps', 'functions/cloudflare', 'runtime/otel', 'wrangler.toml', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const dryRun = async (out: string) => {
  const { stdout, stderr } = await run(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out], { cwd: dir, env: ENV });
  logs.push(stdout + stderr);
  return readFileSync(join(dir, out, 'worker.js'), 'utf8');
};

describe('npx wrangler deploy', () => {
  it('builds the current code in a fresh clone, and ships a changed source on the next deploy', async () => {
    const first = await dryRun('out-1');
    expect(first).toContain('Servable not found for request');
    // A source edited after the first deploy.
    const policy = join(dir, 'core/version/policy.ts');
    writeFileSync(policy, readFileSync(policy, 'utf8').replaceAll('Servable not found for request', 'Servable not found (edited) for request'));
    const second = await dryRun('out-2');
    expect(second, logs.join('\n')).toContain('Servable not found (edited) for request');
    expect(second).not.toContain('Servable not found for request');
    // Nothing changed since: the bundle is left as it is (the same bytes are shipped).
    expect(await dryRun('out-3')).toBe(second);
  }, 120_000);
});
