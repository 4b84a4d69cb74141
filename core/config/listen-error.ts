import { ConfigError } from './config-error.ts';

/**
 * A listener that could not open, as the one line an operator needs: the setting that chose the
 * port (`--rest_api_port` on Node, `PORT` on Deno), the address and the cause. One mapping for
 * every runtime: Node's errors carry a code (EADDRINUSE), Deno's a class name (AddrInUse).
 */
export function listenError(err: unknown, setting: string, host: string, port: number): unknown {
  const e = err as { code?: string; name?: string; message?: string } | null;
  const text = `${e?.code ?? ''} ${e?.name ?? ''} ${e?.message ?? ''}`;
  const at = `${setting}=${port}: ${host}:${port}`;
  if (/EADDRINUSE|AddrInUse/.test(text)) return new ConfigError(`${at} is already in use (pick another port, or stop the server using it)`);
  if (/EACCES|PermissionDenied/.test(text)) return new ConfigError(`${at}: permission denied (ports below 1024 need privileges)`);
  if (/EADDRNOTAVAIL|ENOTFOUND|AddrNotAvailable/.test(text)) return new ConfigError(`${at}: no such local address (check the host setting)`);
  return err instanceof Error ? new ConfigError(`${at}: cannot listen: ${err.message}`) : err;
}
