import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../support/free-port.ts';
import { fileURLToPath } from 'node:url';

/**
 * Starts the real Node server (functions/node/main.ts) as a child process on an ephemeral loopback
 * port and resolves once it prints its address. For end-to-end tests: they talk HTTP to it.
 * gRPC is off (--port=0) unless options.grpc asks for it on another ephemeral port, or args pass
 * --port themselves; options.entry runs another entry point with the same flags (the container's).
 */
export interface ServerProcess {
  url: string;
  /** The server's process id (its /proc/<pid>/status for memory probes). */
  pid: number;
  /** host:port of the gRPC API; null when it is off. */
  grpcAddress: string | null;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface StartOptions {
  grpc?: boolean;
  entry?: string;
}

export async function startServer(args: string[], env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  let grpcPort = 0;
  while (options.grpc && (grpcPort === 0 || grpcPort === port)) grpcPort = await freePort();
  const entry = options.entry ?? 'functions/node/main.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', entry, `--rest_api_port=${port}`, `--port=${grpcPort}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /REST API at (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  const grpcAddress = /gRPC API at (\S+)/.exec(output)?.[1] ?? null;
  return { url, pid: child.pid!, grpcAddress, output: () => output, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
