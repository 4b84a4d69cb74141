import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the Deno function (functions/deno/main.ts) with the `deno` binary from npm, on an
 * ephemeral loopback port, with the permissions docs/edge.md gives, and resolves once it prints its
 * address. `env` is its whole configuration (plus PATH and HOME).
 */
export interface DenoProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DENO = join(ROOT, 'node_modules/.bin/deno');

/** `permissions`: more of Deno's flags, e.g. --allow-write=<folder> for captured requests. */
export async function startDeno(env: Record<string, string>, permissions: string[] = []): Promise<DenoProcess> {
  const child = spawn(DENO, ['run', '--unstable-no-legacy-abort', '--allow-net', '--allow-read', '--allow-env', '--allow-sys', ...permissions, 'functions/deno/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      // No XDG_RUNTIME_DIR, as on a server: the function keeps Mesa's Vulkan driver quiet itself.
      NO_COLOR: '1',
      PORT: '0',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // node_modules/.bin/deno is a Node wrapper that runs the real binary with spawnSync: signalling
    // the wrapper alone leaves the binary running. Its own process group lets stop() end both.
    detached: true,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /REST API at (http:\/\/[^\s;]+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`deno exited with ${code} before listening:\n${output}`)));
  });
  return { url, output: () => output, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(-child.pid!, 'SIGTERM');
  });
}
