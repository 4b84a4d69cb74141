import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';

// The documented commands run built JavaScript (functions/node/build.mjs), never a stale build: in a
// fresh copy of the repository (node_modules linked), `edgeserve serve` builds dist/node first;
// after a source changes, the next start serves the change. `npm start` (bin/start.js) takes the
// same path.
const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-compiled-'));
  for (const path of ['core', 'runtime', 'cli', 'functions/node', 'steps', 'bin', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a command in the copy, asks for a model it does not have, and stops it: the error served. */
async function servedError(script: string, args: string[]): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [script, ...args, `--rest_api_port=${port}`, '--port=0', `--model_base_path=${join(ROOT, 'models/half_plus_two')}`, '--model_name=half_plus_two'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((ready, failed) => {
      const seen = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('REST API at')) ready();
      };
      child.stdout.on('data', seen);
      child.stderr.on('data', seen);
      child.once('exit', (code) => failed(new Error(`${script} exited (${code}):\n${output}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/v1/models/nope:predict`, { method: 'POST', body: '{"instances": [[1]]}' });
    return ((await res.json()) as { error: string }).error;
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
}

describe('the commands users run', () => {
  it('build in a fresh clone, run JavaScript, and serve a changed source on the next start', async () => {
    expect(existsSync(join(dir, 'dist/node'))).toBe(false);
    expect(await servedError('bin/edgeserve.js', ['serve'])).toBe('Servable not found for request: Latest(nope)');
    expect(existsSync(join(dir, 'dist/node/cli.mjs'))).toBe(true);
    const policy = join(dir, 'core/version/policy.ts');
    writeFileSync(policy, readFileSync(policy, 'utf8').replaceAll('Servable not found for request', 'Servable not found (edited) for request'));
    expect(await servedError('bin/edgeserve.js', ['serve'])).toBe('Servable not found (edited) for request: Latest(nope)');
    expect(await servedError('bin/start.js', [])).toBe('Servable not found (edited) for request: Latest(nope)');
  }, 60_000);
});
