import { createServer, connect, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a test's storage (s3rver), to make storage slow, stalled or
 * gone while the real server runs. Bounded and self-stopping: it listens on 127.0.0.1 only, holds
 * at most `maxConnections` connections (more are refused), and closes itself after `lifetimeMs`
 * even if a test forgets to stop it (its timer does not keep the process alive).
 *
 * Modes, switchable at any time with set():
 *   pass            forward both ways
 *   delay(ms)       hold every chunk from storage for ms before forwarding (a slow download)
 *   stall           accept and keep connections, forward nothing (a hung store); bytes held
 *                   are dropped, so a stalled request never completes later
 *   down            reset every open connection and every new one (a dead store)
 */
export type ProxyMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'stall' } | { kind: 'down' };

export interface TcpProxy {
  /** http://127.0.0.1:<port>, to use as the S3 endpoint. */
  endpoint: string;
  set(mode: ProxyMode): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

export interface ProxyOptions {
  maxConnections?: number;
  lifetimeMs?: number;
}

export async function startTcpProxy(upstreamPort: number, options: ProxyOptions = {}): Promise<TcpProxy> {
  const { maxConnections = 64, lifetimeMs = 60_000 } = options;
  let mode: ProxyMode = { kind: 'pass' };
  let accepted = 0;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };

  const server = createServer((client) => {
    accepted += 1;
    track(client);
    if (mode.kind === 'down') return void client.resetAndDestroy();
    const upstream = connect(upstreamPort, '127.0.0.1');
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk) => {
      if (mode.kind !== 'stall' && mode.kind !== 'down') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      const now = mode;
      if (now.kind === 'pass') client.write(chunk);
      else if (now.kind === 'delay') {
        upstream.pause();
        setTimeout(() => {
          if (mode.kind === 'stall' || client.destroyed) return;
          client.write(chunk);
          upstream.resume();
        }, now.ms).unref();
      }
    });
  });
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
    return stopped;
  };
  const lifetime = setTimeout(() => void stop(), lifetimeMs);
  lifetime.unref();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    set(next) {
      mode = next;
      if (next.kind === 'down') for (const s of open) s.resetAndDestroy();
    },
    stop,
  };
}
