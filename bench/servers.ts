import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A server under test, running as a child process on a loopback port. */
export interface ServerUnderTest {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Whether it serves edgeserve's Prometheus metrics (queueing vs run time). */
  metrics: boolean;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /(?:REST API at|listening at) (http:\/\/[^\s;]+)/;

/** Starts `node --import tsx <script> ...args` and resolves with its URL once it prints one. */
async function start(script: string, args: string[], metrics: boolean): Promise<ServerUnderTest> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening:\n${output}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, metrics, stop };
}

export function plainServer(basePath: string): Promise<ServerUnderTest> {
  return start('bench/plain-server.ts', [`--model=${join(basePath, '1', 'model.onnx')}`], false);
}

/** TF Serving's text-format BatchingParameters, as written to the file the server reads. */
export type BatchingFile = Record<string, number | boolean>;

export async function edgeserve(name: string, basePath: string, batching: BatchingFile | null, dir: string): Promise<ServerUnderTest> {
  const args = ['--rest_api_port=0', '--port=0', `--model_name=${name}`, `--model_base_path=${basePath}`];
  if (batching) {
    const file = join(dir, `batching-${name}.pbtxt`);
    await writeFile(file, textFormat(batching));
    args.push('--enable_batching=true', `--batching_parameters_file=${file}`);
  }
  return start('functions/node/main.ts', args, true);
}

export function textFormat(params: BatchingFile): string {
  return Object.entries(params)
    .map(([field, value]) => `${field} { value: ${value} }\n`)
    .join('');
}
