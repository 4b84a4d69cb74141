import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { startServer } from './server-process.ts';

// What an operator sees when the server is started wrongly: the real process, its output and status.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a command in the repository root until it exits; its code and everything it printed. */
function runToExit(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}
const main = (args: string[]) => runToExit(process.execPath, ['--import', 'tsx', 'functions/node/main.ts', '--port=0', ...args]);

describe('a base path with no versions', () => {
  const cases: [string, string, RegExp][] = [
    ['a missing folder', 'nowhere/at/all', /does not exist/],
    ['the repository root', 'models', /holds classifier, colors, half_plus_two, .*not numbered version folders/],
    ['a .onnx file', 'models/half_plus_two/1/model.onnx', /is a \.onnx file/],
  ];
  for (const [what, base, hint] of cases) {
    it(`${what}: logged with the path and what was expected, and shown in status`, async () => {
      const s = await startServer([`--model_name=x`, `--model_base_path=${base}`]);
      try {
        const line = s.output().split('\n').find((l) => l.includes('no versions found'));
        expect(line, s.output()).toContain(`model x: no versions found at ${join(ROOT, base)}`);
        expect(line).toContain('expected numbered version folders');
        expect(line).toMatch(hint);
        const res = await fetch(`${s.url}/v1/models/x`);
        expect(res.status).toBe(404);
        const { error } = (await res.json()) as { error: string };
        expect(error).toContain('Could not find any versions of model x');
        expect(error).toContain(join(ROOT, base));
        expect(error).toMatch(hint);
        // Not ready (Kubernetes routes no traffic to it), on /readyz and OIP's ready, naming why; alive all the same.
        const ready = await fetch(`${s.url}/readyz`);
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as { models: { name: string; error: string }[] }).models).toEqual([{ name: 'x', versions: [], error: expect.stringMatching(hint) }]);
        expect((await fetch(`${s.url}/v2/health/ready`)).status).toBe(503);
        expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      } finally {
        await s.stop();
      }
    });
  }

  it('a model file that is not ONNX: not ready, and a predict names the load error', async () => {
    const s = await startServer(['--model_name=x', '--model_base_path=test/fixtures/not-onnx']);
    try {
      const res = await fetch(`${s.url}/v1/models/x:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toMatch(/^Servable not found for request: Latest\(x\): version 1 failed to load: Could not load the model as ONNX: /);
      expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
    } finally {
      await s.stop();
    }
  });
});

describe('start-up failures are one line naming the flag or file', () => {
  it('a REST port in use', async () => {
    const s = await startServer(['--model_config_file=models/models.config']);
    try {
      const port = new URL(s.url).port;
      const { code, output } = await main([`--rest_api_port=${port}`, '--model_base_path=models/half_plus_two']);
      expect(code).toBe(2);
      expect(output.trim()).toBe(`edgeserve: --rest_api_port=${port}: 127.0.0.1:${port} is already in use (pick another port, or stop the server using it)`);
    } finally {
      await s.stop();
    }
  });

  it('a gRPC port in use', async () => {
    const s = await startServer(['--model_config_file=models/models.config'], {}, { grpc: true });
    try {
      const port = s.grpcAddress!.split(':').pop();
      const rest = await freePort();
      const { code, output } = await runToExit(process.execPath, ['--import', 'tsx', 'functions/node/main.ts', `--rest_api_port=${rest}`, `--port=${port}`, '--model_base_path=models/half_plus_two']);
      expect(code).toBe(2);
      expect(output.trim().split("\n"), output).toHaveLength(1);
      expect(output).toMatch(new RegExp(`^edgeserve: --port=${port}: .*${port} is already in use`));
    } finally {
      await s.stop();
    }
  });

  it('a missing --model_config_file', async () => {
    const { code, output } = await main(['--rest_api_port=0', '--model_config_file=no/such.config']);
    expect(code).toBe(2);
    expect(output.trim()).toBe('edgeserve: --model_config_file=no/such.config: cannot read it (ENOENT)');
  });

  it('a missing --batching_parameters_file', async () => {
    const { code, output } = await main(['--rest_api_port=0', '--model_config_file=models/models.config', '--enable_batching', '--batching_parameters_file=no/such.txt']);
    expect(code).toBe(2);
    expect(output.trim()).toBe('edgeserve: --batching_parameters_file=no/such.txt: cannot read it (ENOENT)');
  });
});

describe('edgeserve push', () => {
  it('refuses a file that is not an ONNX model, uploading nothing', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'edgeserve-push-'));
    try {
      const { code, output } = await runToExit(process.execPath, ['bin/edgeserve.js', 'push', 'models/classifier/1/labels.txt', '--model', 'm', '--to', repo]);
      expect(code).toBe(2);
      expect(output.trim()).toMatch(/^edgeserve: models\/classifier\/1\/labels.txt is not an ONNX model: it does not parse as protobuf \(.*\)\. The first file is the model; labels.txt and external data files come after it$/);
      expect(readdirSync(repo)).toEqual([]);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('npm start', () => {
  it('serves the flags given instead of the bundled repository', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start', '--', `--rest_api_port=${port}`, '--port=0', '--model_name=hp2', '--model_base_path=models/half_plus_two'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = (c: Buffer) => {
          output += c.toString();
          if (output.includes('REST API at')) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('close', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      });
      expect(output).toContain('serving hp2 with');
      const res = await fetch(`http://127.0.0.1:${port}/v1/models/hp2:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
      expect(await res.json()).toEqual({ predictions: [[2.5]] });
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });

  it('serves the bundled repository when no models are named', async () => {
    const s = await startServer([], {}, { entry: 'functions/node/start.ts' });
    try {
      expect(s.output()).toContain('serving classifier, multi_io, regressor, half_plus_two');
    } finally {
      await s.stop();
    }
  });
});
