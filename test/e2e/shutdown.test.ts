import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';

// SIGTERM as Kubernetes sends it: to a server still starting, and to one with a request in flight.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function spawnServer(port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/node/main.ts', '--model_config_file=models/models.config', `--rest_api_port=${port}`, '--port=0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => output.includes(text) && resolve();
      child.stdout!.on('data', (c: Buffer) => ((output += c), check()));
      child.stderr!.on('data', (c: Buffer) => ((output += c), check()));
      child.once('exit', () => reject(new Error(`exited before printing ${text}:\n${output}`)));
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, printed, exited };
}

describe('SIGTERM', () => {
  it('stops a server that is still starting, once it is up, with exit code 0 (a signal is never lost)', async () => {
    const { child, printed, exited } = spawnServer(await freePort());
    // Printed while the models load, before the listener opens.
    await printed('model classifier: applied');
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('answers a request in flight, closes its connection after it, then exits 0', async () => {
    const port = await freePort();
    const { child, printed, exited } = spawnServer(port);
    await printed('REST API at');
    const body = '{"instances": [[1.0], [2.0], [5.0]]}';
    const answer = new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${port}/v1/models/half_plus_two:predict`, { method: 'POST', headers: { 'content-length': String(body.length) } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, text }));
      });
      req.on('error', reject);
      // Half the body, then the signal once the server holds the connection, then the rest.
      req.write(body.slice(0, 10), () => {
        child.kill('SIGTERM');
        setImmediate(() => req.end(body.slice(10)));
      });
    });
    // Connection: close, so no idle keep-alive connection holds the exit for its timeout.
    expect(await answer).toEqual({ status: 200, connection: 'close', text: '{"predictions":[[2.5],[3.0],[4.5]]}' });
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
